package io.fleetacct.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs workload/exits.c (resources beside this class): a process that forks children which exit in known ways
 * (exit codes, signals, extra threads), reaps them and reports each one. Compiled with the
 * system's C compiler on first use.
 */
public final class Workload {

  /** One child as its parent saw it. {@code status} is the raw wait status. */
  public record Child(long pid, String comm, String kind, int threads, int status) {}

  private Workload() {}

  private static Path binary() {
    return CProgram.binary("exits");
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

  /**
   * Ends a {@link #startFor} workload now and returns how many children it forked (SIGTERM by the
   * process handle: {@code Process.destroy} would also close the output that says it).
   */
  public static long stop(Process p) {
    p.toHandle().destroy();
    return total(p);
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

  private static String finish(Process p, String what) {
    return CProgram.finish(p, what, 180);
  }
}
