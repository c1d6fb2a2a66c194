package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.standalone.cli.UpCommand;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} stopped as users stop it (SIGTERM, at a moment of exits) and started again on the same
 * state directory, twice: each stop delivers everything it holds to the healthy broker (nothing left
 * for the spool), says how each part stopped and exits 0; each restart finds its state (no task
 * taken as corrupted, nothing restored from a changelog) and counts on. The terminal shows no INFO
 * and no library's log line: they go to the state directory's log file (fleetacct's own warnings,
 * such as exits lost to a fork storm elsewhere on the machine, do show).
 */
@IntegrationTest
class UpStopRestartTest {

  private static final Pattern ACCOUNT = Pattern.compile(
      "agent stopped: exits ([\\d,]+) \\+ samples ([\\d,]+)( \\+ [\\d,]+ from the last run's spool)? = records ([\\d,]+):"
          + " delivered ([\\d,]+), waiting 0, dropped 0");

  /** A line of the log as the terminal shows it (fleetacct's loggers abbreviated to i.f.…). */
  private static final Pattern LOG_LINE = Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (INFO|WARN|ERROR) .*$");

  @TempDir Path dir;

  @Test
  void everyStopDeliversEverythingEndsWithZeroAndEveryRestartFindsItsState() throws Exception {
    KernelAssumptions.assumeExitNotifications();
    Path state = dir.resolve("state");
    for (int run = 1; run <= 3; run++) {
      Path log = dir.resolve("up-" + run + ".log");
      int port = LoopbackPorts.free();
      ChildJvm up = ChildJvm.start("up", UpCommand.class, log, "--state-dir", state.toString(), "--http-port",
          String.valueOf(port), "--agent-metrics-port", "-1", "--status-interval", "1");
      try {
        await(log, "Ctrl-C stops everything.", Duration.ofSeconds(90));
        await(log, "exits ", Duration.ofSeconds(30)); // a status line: delivering
        assertThat(Http.metric("http://127.0.0.1:" + port, "fleetacct_streams_restored_records_total"))
            .as("records restored from changelogs at start %d", run).isZero();
        for (int i = 0; i < 20; i++) { // exits in the last moment before the stop
          new ProcessBuilder("true").start().waitFor();
        }
        assertThat(Http.metric("http://127.0.0.1:" + port, "fleetacct_streams_dropped_records_total"))
            .as("records Kafka Streams itself dropped, run %d", run).isZero();
        assertThat(up.stop(60)).as("exit status of a SIGTERM stop that lost nothing (run %d)", run).isZero();
      } finally {
        up.close();
      }
      String out = Files.readString(log);
      String file = Files.readString(state.resolve("fleetacct.log"));
      assertThat(LOG_LINE.matcher(out).results().map(MatchResult::group)
          .filter(line -> line.contains(" INFO ") || !line.matches(".* i\\.f\\.\\S* - .*")).toList())
          .as("run %d's terminal: no INFO and no library's line (they are in its log file)", run).isEmpty();
      assertThat(file).as("run %d's log file", run).contains("embedded Kafka broker 1 ready");
      Matcher account = ACCOUNT.matcher(out);
      assertThat(account.find()).as("the agent's account, all delivered, in:%n%s", out).isTrue();
      assertThat(account.group(4)).as("records = delivered").isEqualTo(account.group(5));
      assertThat(out).contains("streams application closed: its state is checkpointed for the next start",
          "broker stopped", "fleetacct stopped.");
      assertThat(out + file).as("run %d's terminal and log file", run).doesNotContain("corrupted",
          "did not find checkpoint", "saved in front of the spool");
    }
  }

  private static void await(Path log, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no '" + text + "' within " + timeout + " in:\n"
        + (Files.exists(log) ? String.join("\n", List.of(Files.readString(log))) : "(no output)"));
  }
}
