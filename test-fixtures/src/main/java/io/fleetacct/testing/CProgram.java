package io.fleetacct.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** A test workload in C from workload/ (resources beside this class), compiled with the system's cc on first use. */
public final class CProgram {

  private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

  private CProgram() {}

  /** The binary of {@code workload/<name>.c}; the test is skipped where there is no C compiler. */
  public static Path binary(String name) {
    return BUILT.computeIfAbsent(name, CProgram::compile);
  }

  private static Path compile(String name) {
    try {
      Path dir = Files.createTempDirectory("fleetacct-" + name + "-");
      Path source = dir.resolve(name + ".c");
      try (InputStream in = CProgram.class.getResourceAsStream("workload/" + name + ".c")) {
        Files.copy(in, source);
      }
      Path out = dir.resolve(name);
      Process cc;
      try {
        cc = new ProcessBuilder("cc", "-O1", "-pthread", "-o", out.toString(), source.toString())
            .redirectErrorStream(true).start();
      } catch (IOException e) {
        assumeTrue(false, "needs a C compiler (cc) to build the test workload: " + e.getMessage());
        throw e;
      }
      finish(cc, "cc " + name + ".c", 120);
      for (Path p : new Path[] {dir, source, out}) {
        p.toFile().deleteOnExit();
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Its standard output, once it exited 0 within {@code seconds}; {@code what} names it in failures. */
  public static String finish(Process p, String what, long seconds) {
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " did not finish in " + seconds + " s");
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
