package io.fleetacct.embedded;

import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.testing.IntegrationTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

@WithKafkaBroker
@IntegrationTest
class WithKafkaBrokerTest {

  private final EmbeddedKafkaBroker fromConstructor;

  WithKafkaBrokerTest(EmbeddedKafkaBroker broker) {
    this.fromConstructor = broker;
  }

  @Test
  void injectsOneRunningSharedBroker(EmbeddedKafkaBroker broker) throws Exception {
    assertThat(broker).isSameAs(fromConstructor);
    assertThat(broker.isRunning()).isTrue();
    broker.createTopic("with-broker", 1);
    EmbeddedKafkaBrokerTest.produce(broker.bootstrapServers(), "with-broker", List.of("x"));
    assertThat(EmbeddedKafkaBrokerTest.consume(broker.bootstrapServers(), "with-broker", 1)).containsExactly("x");
  }
}
