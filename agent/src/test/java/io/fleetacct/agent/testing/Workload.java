package io.fleetacct.agent.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/resources/workload/exits.c: a process that forks children which exit in known ways
 * (exit codes, signals, extra threads), reaps them and reports each one. Compiled with the
 * system's C compiler on first use.
 */
public final class Workload {

  /** One child as its parent saw it. {@code status} is the raw wait status. */
  public record Child(long pid, String comm, String kind, int threads, int status) {}

  private static Path binary;

  private Workload() {}

  private static synchronized Path binary() {
    if (binary != null) {
      return binary;
    }
    try {
      Path dir = Files.createTempDirectory("fleetacct-workload-");
      dir.toFile().deleteOnExit();
      Path source = dir.resolve("exits.c");
      try (InputStream in = Workload.class.getResourceAsStream("/workload/exits.c")) {
        Files.copy(in, source);
      }
      Path out = dir.resolve("exits");
      Process cc;
      try {
        cc = new ProcessBuilder("cc", "-O1", "-pthread", "-o", out.toString(), source.toString())
            .redirectErrorStream(true).start();
      } catch (IOException e) {
        assumeTrue(false, "needs a C compiler (cc) to build the test workload: " + e.getMessage());
        throw e;
      }
      finish(cc, "cc");
      out.toFile().deleteOnExit();
      source.toFile().deleteOnExit();
      binary = out;
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Forks {@code count} children named {@code prefix-<kind>}, inside {@code cgroupProcs} if given. */
  public static List<Child> run(int count, String prefix, Path cgroupProcs) {
    String out = exec(List.of(String.valueOf(count), prefix, cgroupProcs == null ? "-" : cgroupProcs.toString()));
    List<Child> children = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split(" ");
      children.add(new Child(Long.parseLong(f[0]), f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4])));
    }
    return children;
  }

  /** Starts forking children named {@code prefix-<kind>} as fast as it can for {@code seconds}. */
  public static Process startFor(double seconds, String prefix) {
    try {
      return new ProcessBuilder(binary().toString(), "0", prefix, "-", String.valueOf(seconds))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for a {@link #startFor} workload and returns how many children it forked. */
  public static long total(Process p) {
    String out = finish(p, "workload");
    return Long.parseLong(out.trim().replace("total ", ""));
  }

  private static String exec(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary().toString());
    cmd.addAll(args);
    try {
      return finish(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start(), "workload");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Its standard output, once it exited 0; {@code what} names it in failures. */
  private static String finish(Process p, String what) {
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " did not finish in 180 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(what + " failed with status " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
