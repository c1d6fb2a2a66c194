package io.fleetacct.agent.command;

import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.CommandSource;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The command of every process, without BPF ("proc" mode): learned from the proc connector's
 * events (the leader's rename; /proc/TGID/comm read at FORK and EXEC) and /proc scans, because a
 * process whose leader exited before its other threads may be gone when its last thread's exit
 * arrives. At an exit, in order: the exiting leader's own name (exact); for a thread of a process
 * that lives on, /proc/TGID/comm read now; the entry from the events; else the thread's own name,
 * counted as {@code own}.
 */
public final class ProcessCommands {

  private final ProcComm proc;
  private final int maxEntries;
  /** Bounded: a process it cannot hold falls back to its threads' own names, counted as {@code own}. */
  private final Map<Integer, Command> byTgid = new ConcurrentHashMap<>();

  public ProcessCommands(ProcComm proc, int maxEntries) {
    this.proc = proc;
    this.maxEntries = maxEntries;
  }

  /** A FORK event of a new process: it runs its parent's program until it execs. */
  public void onFork(int childPid, int childTgid) {
    if (childPid == childTgid) {
      read(childTgid, CommandSource.fork);
    }
  }

  /** An EXEC event: the process's new program has set its comm by now. */
  public void onExec(int tgid) {
    read(tgid, CommandSource.exec);
  }

  /** A COMM event (prctl PR_SET_NAME, a write to /proc/PID/comm): only the leader's names the process. */
  public void onComm(int pid, int tgid, String comm) {
    if (pid == tgid) {
      put(tgid, new Command(comm, CommandSource.comm));
    }
  }

  /** A periodic scan's reading of process {@code tgid}. */
  public void onScan(int tgid) {
    read(tgid, CommandSource.scan);
  }

  /** Forgets the processes not in {@code alive}. */
  public void retain(Set<Integer> alive) {
    byTgid.keySet().retainAll(alive);
  }

  private void read(int tgid, CommandSource source) {
    String name = proc.of(tgid);
    if (name != null) {
      put(tgid, new Command(name, source));
    }
  }

  private void put(int tgid, Command c) {
    if (byTgid.size() >= maxEntries && !byTgid.containsKey(tgid)) {
      return;
    }
    byTgid.put(tgid, c);
  }

  /** The command of the exit's process. */
  public Command atExit(ExitNotification exit) {
    if (Command.isLeader(exit)) {
      return Command.ofExit(exit);
    }
    Command now = proc.ofLiveProcess(exit);
    if (now != null) {
      return now;
    }
    Command known = byTgid.get((int) exit.tgid());
    return known != null ? known : Command.ofExit(exit);
  }

  /** Processes in the map. */
  public int size() {
    return byTgid.size();
  }
}
