package io.fleetacct.streams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad options get one line that names the problem and exit code 1 (2 for usage), and start nothing. */
class StreamsCliTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return StreamsCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void bootstrapServersAreRequired() {
    assertThat(run("run")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--bootstrap-servers");
  }

  @Test
  void windowsMustFitTheirRetention(@TempDir Path state) {
    assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(),
        "--window-size", "60", "--grace", "120", "--retention", "30")).isEqualTo(1);
    assertThat(err.toString()).startsWith("--grace is ignored: since 0.3.0 windows take late records for the whole"
        + " --retention").contains("run: need --window-size >= 1, --retention >= --window-size");
    assertThat(state).isEmptyDirectory();
  }

  @Test
  void replicationSettingsAreAtLeastOneOrTheBrokersDefault(@TempDir Path state) {
    for (String[] bad : new String[][] {{"--replication-factor", "0"}, {"--min-insync-replicas", "-2"}}) {
      err.getBuffer().setLength(0);
      assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(), bad[0], bad[1]))
          .as("%s %s", bad[0], bad[1]).isEqualTo(1);
      assertThat(err.toString()).contains("--replication-factor and --min-insync-replicas >= 1 (or -1: the brokers'"
          + " default)");
    }
    assertThat(state).isEmptyDirectory();
  }

  @Test
  void aBadFoldingRuleIsNamedBeforeAnythingStarts(@TempDir Path state) {
    assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(),
        "--command-rule", "php(=x")).isNotZero();
    assertThat(err.toString().trim()).startsWith("run: bad regular expression in folding rule 'php(=x'");
    assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(),
        "--thread-rule", "pool=$2")).isNotZero();
    assertThat(err.toString()).contains("no group 2 in pool");
    assertThat(state).isEmptyDirectory();
  }

  @Test
  void aPropertyWithoutValueIsNamed(@TempDir Path state) {
    assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(), "-X", "linger.ms"))
        .isEqualTo(1);
    assertThat(err.toString().trim()).isEqualTo("run: -X wants KEY=VALUE, not 'linger.ms'");
  }

  @Test
  void aTooSmallRocksDbMemoryCapIsRefusedBeforeAnythingStarts(@TempDir Path state) {
    assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(),
        "-X", "fleetacct.rocksdb.memory.bytes=1024")).isEqualTo(1);
    assertThat(err.toString().trim())
        .isEqualTo("run: fleetacct.rocksdb.memory.bytes must be at least 16 MiB (16777216), not 1024");
    assertThat(state).isEmptyDirectory();
  }

  @Test
  void aMissingStreamsConfigFileIsNamed(@TempDir Path state) {
    Path missing = state.resolve("nope.properties");
    assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--state-dir", state.toString(),
        "--streams-config", missing.toString())).isEqualTo(1);
    assertThat(err.toString()).startsWith("run: ").contains(missing.toString());
    assertThat(Files.exists(missing)).isFalse();
  }

  @Test
  void helpListsEveryOptionOfTheContract() {
    assertThat(run("run", "--help")).isZero();
    assertThat(out.toString()).contains("--bootstrap-servers", "--application-id", "--state-dir", "--http-bind",
        "--http-port", "--advertised-host", "--window-size", "--retention", "--standby-replicas",
        "--exits-topic", "--status-topic", "--dead-letter-topic", "--output-prefix", "--streams-config");
  }
}
