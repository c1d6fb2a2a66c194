package io.fleetacct.benchmarks.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A documented command run by bash from the repository root, as a user types it, its output (both
 * streams) in a file; stopped by its own pid.
 */
final class Shell implements AutoCloseable {

  private final String command;
  private final Process process;
  private final Path output;
  private final long started = System.nanoTime();

  private Shell(String command, Process process, Path output) {
    this.command = command;
    this.process = process;
    this.output = output;
  }

  /** Starts {@code command} ({@code exec}'d, so that SIGTERM reaches the program itself). */
  static Shell start(Path root, String command, Path outputDir) throws IOException {
    Path output = Files.createTempFile(outputDir, "command-", ".out");
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec " + command).directory(root.toFile())
        .redirectErrorStream(true).redirectOutput(output.toFile());
    // The reactor running this test has just built every module: the launcher's own build would
    // take a minute more (class-data archives) and change nothing that is tested here.
    pb.environment().put("FLEETACCT_NO_BUILD", "1");
    Process p = pb.start();
    return new Shell(command, p, output);
  }

  /** Runs {@code command} to its end (at most {@code timeout}) and asserts exit status 0; its output. */
  static String run(Path root, String command, Path outputDir, Duration timeout) throws Exception {
    try (Shell s = start(root, command, outputDir)) {
      return s.awaitExit(timeout);
    }
  }

  /** Waits for the end, asserts exit status 0 and returns the output. */
  String awaitExit(Duration timeout) throws Exception {
    boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(ended).as("%s ended within %d s; its output:%n%s", command, timeout.toSeconds(), output()).isTrue();
    assertThat(process.exitValue()).as("exit status of %s; its output:%n%s", command, output()).isZero();
    System.out.printf("ran in %.1f s: %s%n", (System.nanoTime() - started) / 1e9, command);
    return output();
  }

  /** SIGTERM, then as {@link #awaitExit}. */
  String stop(Duration timeout) throws Exception {
    process.destroy();
    return awaitExit(timeout);
  }

  boolean alive() {
    return process.isAlive();
  }

  String output() throws IOException {
    return Files.readString(output);
  }

  /** Waits until the output has {@code text}; fails if the program ends first. */
  void awaitOutput(String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output().contains(text)) {
      assertThat(process.isAlive()).as("%s still running while waiting for \"%s\"; its output:%n%s", command, text,
          output()).isTrue();
      assertThat(System.nanoTime()).as("\"%s\" from %s within %d s; its output:%n%s", text, command,
          timeout.toSeconds(), output()).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
