package io.fleetacct.agent.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.publish.ProducerSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/** The agent's JVM settings (src/main/dist/jvm.options), which every start reads. */
class JvmOptionsTest {

  private static final Path OPTIONS = Path.of("src/main/dist/jvm.options");

  @Test
  void theJvmAcceptsTheFile() throws Exception {
    Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + OPTIONS.toAbsolutePath(), "-XX:+PrintFlagsFinal", "-version").redirectErrorStream(true).start();
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(java.exitValue()).as(out).isZero();
    assertThat(out).containsPattern("TieredStopAtLevel\\s+= 1 ").containsPattern("UseSerialGC\\s+= true ");
  }

  @Test
  void theHeapHoldsAFullProducerBufferTwiceOver() throws Exception {
    Matcher xmx = Pattern.compile("(?m)^-Xmx(\\d+)m$").matcher(Files.readString(OPTIONS));
    assertThat(xmx.find()).as("-Xmx in MiB").isTrue();
    long heap = Long.parseLong(xmx.group(1)) << 20;
    long buffer = Long.parseLong(ProducerSettings.defaults("x:1").getProperty(ProducerConfig.BUFFER_MEMORY_CONFIG));
    // What Kafka has not taken waits in the producer's buffer, the memory queue and the spool: the
    // buffer must leave room for the queue and the agent's own 13 MiB (docs/benchmarks.md).
    assertThat(heap).isGreaterThanOrEqualTo(2 * buffer + (16L << 20));
  }
}
