package io.fleetacct.common.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UntilStoppedTest {

  @Test
  void waitsUntilStoppedAndTimesOutMeanwhile() throws Exception {
    try (UntilStopped life = UntilStopped.install("test", Duration.ofSeconds(1))) {
      assertThat(life.await(Duration.ofMillis(20))).isFalse();
      Thread stopper = new Thread(life::stop);
      stopper.start();
      life.await();
      assertThat(life.await(Duration.ZERO)).isTrue();
      stopper.join();
    }
  }
}
