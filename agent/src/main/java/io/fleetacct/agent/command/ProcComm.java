package io.fleetacct.agent.command;

import io.fleetacct.agent.host.ProcFile;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.CommandSource;
import java.nio.file.Path;

/**
 * Reads processes' commands from a proc tree ({@code /proc}, or a fake one in tests):
 * {@code /proc/TGID/comm} is the thread-group leader's comm, also while the leader is a zombie
 * whose threads still run.
 */
public final class ProcComm {

  private final Path procRoot;

  public ProcComm(Path procRoot) {
    this.procRoot = procRoot;
  }

  /** The command of process {@code tgid}, or null if it is gone (or going). */
  public String of(long tgid) {
    String text = ProcFile.read(procRoot.resolve(Long.toString(tgid)).resolve("comm").toString());
    if (text == null || text.isEmpty()) {
      return null;
    }
    return text.charAt(text.length() - 1) == '\n' ? text.substring(0, text.length() - 1) : text;
  }

  /**
   * The command of a thread's exit read from its process's file, when the process lives on (its
   * zombie leader at least): a rename whose event is not read yet is seen. Null for a last exit
   * (its process may be reaped and its id taken) and when the file is gone.
   */
  public Command ofLiveProcess(ExitNotification exit) {
    if (exit.endsProcess()) {
      return null;
    }
    String now = of(exit.tgid());
    return now == null ? null : new Command(now, CommandSource.proc_at_exit);
  }
}
