package io.fleetacct.agent.command;

import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.CommandSource;
import java.nio.charset.StandardCharsets;

/**
 * The command of the process an exit belongs to (its thread-group leader's comm, as top and ps
 * name a process) and how it was found.
 */
public record Command(String name, CommandSource source) {

  /**
   * What an exit alone says: the exiting leader's own name is its process's command; any other
   * thread's own name only stands in ({@code own}), to be counted as such.
   */
  public static Command ofExit(ExitNotification exit) {
    return new Command(exit.acComm(), isLeader(exit) ? CommandSource.leader : CommandSource.own);
  }

  /** Whether the exiting thread is its thread group's leader (a single-threaded process's only thread). */
  public static boolean isLeader(ExitNotification exit) {
    return exit.tgid() == 0 || exit.tgid() == exit.pid();
  }

  /** A kernel comm ({@code char comm[16]}, NUL-terminated unless full), or null when it is empty. */
  public static String name(byte[] comm) {
    int n = 0;
    while (n < comm.length && comm[n] != 0) {
      n++;
    }
    return n == 0 ? null : new String(comm, 0, n, StandardCharsets.UTF_8);
  }
}
