package io.fleetacct.standalone.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class LogFileTest {

  private final PrintStream realErr = System.err;

  @AfterEach
  void restoreLogging() throws Exception {
    System.setErr(realErr);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    new ContextInitializer(context).autoConfig();
  }

  @Test
  void theTerminalShowsFleetacctsWarningsAndAnyErrorAndTheFileHoldsEverything(@TempDir Path state) throws Exception {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    System.setErr(new PrintStream(terminal, true, StandardCharsets.UTF_8));

    Path file = LogFile.use(state);
    LoggerFactory.getLogger("org.apache.kafka.streams.processor.internals.StateDirectory")
        .warn("Using an OS temp directory in the state.dir property");
    LoggerFactory.getLogger("org.apache.kafka.clients.producer.KafkaProducer").error("library error");
    LoggerFactory.getLogger("io.fleetacct.embedded.EmbeddedKafkaBroker").info("embedded Kafka broker 1 ready");
    LoggerFactory.getLogger("io.fleetacct.agent.publish.Backlog").warn("spool full: dropping new records");
    LoggerFactory.getLogger("org.rocksdb").info("library chatter");

    String shown = terminal.toString(StandardCharsets.UTF_8);
    assertThat(file).isEqualTo(state.resolve("fleetacct.log"));
    assertThat(shown).contains("library error", "spool full").doesNotContain("OS temp directory",
        "broker 1 ready", "library chatter");
    assertThat(Files.readString(file)).contains("OS temp directory", "library error", "broker 1 ready", "spool full",
        "library chatter");
  }
}
