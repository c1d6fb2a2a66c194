package io.fleetacct.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs workload/spawn.c (resources beside this class): short-lived processes (some multi-threaded) that
 * enter a cgroup in one of the ways real software does, each task named after the cgroup it
 * exits in: {@code prefix + "a"} for A, {@code prefix + "s"} for S.
 */
public final class Spawn {

  /** How the processes get into their cgroup; the names are spawn.c's. */
  public enum Way {
    /** A runner forks one child, joins A by writing its own pid (no exec), then forks the rest. */
    join,
    /** Each child moves itself into A between fork and exec (systemd, runc, crun). */
    move,
    /** A shell joins A and runs its children in a loop. */
    shell,
    /** Children are cloned straight into A (clone3 with CLONE_INTO_CGROUP). */
    clone3,
    /** Children move into A, exec, and leave A for S before they exit (their threads end in A). */
    leave
  }

  private Spawn() {}

  /**
   * Runs {@code count} processes the given way (the helper first joins S) and returns how many
   * exit notifications carry each name.
   */
  public static Map<String, Long> run(Way way, int count, String prefix, Path dirS, Path dirA) {
    if (prefix.length() > 14) {
      throw new IllegalArgumentException("comm holds 15 characters: prefix too long: " + prefix);
    }
    try {
      Process p = new ProcessBuilder(CProgram.binary("spawn").toString(), way.name(), String.valueOf(count), prefix,
          dirS.toString(), dirA.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Map<String, Long> expected = new LinkedHashMap<>();
      for (String line : CProgram.finish(p, "spawn " + way, 300).split("\n")) {
        String[] f = line.trim().split(" ");
        if (f.length == 3 && f[0].equals("expect")) {
          expected.put(f[1], Long.parseLong(f[2]));
        }
      }
      return expected;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
