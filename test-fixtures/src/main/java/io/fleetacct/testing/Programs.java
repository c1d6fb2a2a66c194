package io.fleetacct.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs workload/programs.c (resources beside this class): multi-threaded programs whose threads
 * have names of their own, in the shapes real software has (named pool threads, a leader that
 * exits before its threads, a leader that renames itself, an exec from a thread), and says under
 * which command each thread exited.
 */
public final class Programs {

  /** The shapes; the names are programs.c's. */
  public enum Way {
    /** The leader starts 4 named threads, joins them, exits. */
    named,
    /** The leader ends with pthread_exit before its 3 named threads; the last thread ends the process. */
    lonely,
    /** 2 threads end, the leader renames itself ({@code Q}), 2 more end, the leader exits. */
    rename,
    /** A thread execs a program named {@code X}: the old threads die under {@code P}, the new under {@code X}. */
    exec
  }

  /** One command and thread name. */
  public record Thread(String command, String name) {}

  /**
   * What the kernel will report: exits per command and thread name, and process ends per command.
   * The program is named {@code prefix + "P"} (or {@code Q}, {@code X}), its threads {@code prefix + "-w" N}.
   */
  public record Expected(Map<Thread, Long> exits, Map<String, Long> processes) {

    public long totalExits() {
      return exits.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Exits under one command. */
    public long exitsOf(String command) {
      return exits.entrySet().stream().filter(e -> e.getKey().command().equals(command))
          .mapToLong(Map.Entry::getValue).sum();
    }
  }

  private Programs() {}

  /** Runs {@code count} processes of the given shape, one after another; {@code prefix} at most 10 characters. */
  public static Expected run(Way way, int count, String prefix) {
    if (prefix.length() > 10) {
      throw new IllegalArgumentException("comm holds 15 characters: prefix too long: " + prefix);
    }
    Path binary = CProgram.binary("programs");
    try {
      Path links = Files.createTempDirectory("fleetacct-programs-");
      Path exec = Files.createSymbolicLink(links.resolve(prefix + "X"), binary);
      try {
        Process p = new ProcessBuilder(binary.toString(), way.name(), String.valueOf(count), prefix, exec.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<Thread, Long> exits = new LinkedHashMap<>();
        Map<String, Long> processes = new LinkedHashMap<>();
        for (String line : CProgram.finish(p, "programs " + way, 300).split("\n")) {
          String[] f = line.trim().split(" ");
          if (f.length == 4 && f[0].equals("expect")) {
            exits.merge(new Thread(f[1], f[2]), Long.parseLong(f[3]), Long::sum);
          } else if (f.length == 3 && f[0].equals("processes")) {
            processes.merge(f[1], Long.parseLong(f[2]), Long::sum);
          }
        }
        return new Expected(exits, processes);
      } finally {
        Files.deleteIfExists(exec);
        Files.deleteIfExists(links);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
