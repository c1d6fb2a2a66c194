package io.fleetacct.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's child JVM ({@link BrokerMain} on this JVM's class path), its log, and the ways it
 * ends: a clean stop (its standard input closed), SIGKILL, and SIGSTOP/SIGCONT to freeze it.
 * Exits by itself when this JVM dies. Not thread-safe: {@link EmbeddedKafkaBroker} serializes.
 */
final class BrokerProcess {

  private static final Logger log = LoggerFactory.getLogger(BrokerProcess.class);
  private static final int LOG_TAIL_LINES = 60;

  private final Process process;
  private final Path logFile;
  private boolean frozen;

  private BrokerProcess(Process process, Path logFile) {
    this.process = process;
    this.logFile = logFile;
  }

  /** Starts {@code server.properties} in a child JVM whose output goes to {@code logFile}. */
  static BrokerProcess spawn(Path props, Path logbackConfig, Path tmpDir, List<String> jvmArgs, Path logFile)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dlogback.configurationFile=" + logbackConfig);
    command.add("-Djava.io.tmpdir=" + Files.createDirectories(tmpDir));
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BrokerMain.class.getName());
    command.add(props.toString());
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE) // held open: see BrokerMain
        .start();
    return new BrokerProcess(p, logFile);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  long pid() {
    return process.pid();
  }

  /** CPU time used so far (zero when unknown). */
  Duration cpuTime() {
    return process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** A clean stop: standard input closed (see {@link BrokerMain}), SIGKILL if not gone within {@code timeout}. */
  void stop(Duration timeout) {
    thaw();
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      log.warn("cannot close the embedded broker's standard input, killing it: {}", e.toString());
      kill();
      return;
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("embedded broker did not stop within {} s, killing it", timeout.toSeconds());
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }

  /** SIGKILL, as a crash would; waits for the end (30 s at most). */
  void kill() {
    process.destroyForcibly();
    frozen = false; // SIGKILL ends a stopped process too
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGSTOP: connections stay open and nothing answers. */
  void freeze() {
    signal("STOP");
    frozen = true;
  }

  /** SIGCONT, if frozen. */
  void thaw() {
    if (frozen) {
      signal("CONT");
      frozen = false;
    }
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The last lines of the broker's log, for an error message. */
  String logTail() {
    return logTail(logFile);
  }

  static String logTail(Path logFile) {
    try {
      if (!Files.exists(logFile)) {
        return " (no broker log at " + logFile + ")";
      }
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return "\n--- last lines of " + logFile + " ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return " (cannot read " + logFile + ": " + e + ")";
    }
  }
}
