package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.bpf.BpfException;
import io.fleetacct.agent.bpf.ExitCgroupProbe;
import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.command.KernelComms;
import io.fleetacct.agent.command.ProcComm;
import io.fleetacct.agent.log.RateLimitedWarnings;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact attribution: the cgroup the kernel saw the thread exit in, from {@link ExitCgroupProbe}.
 * Needs no proc connector and no /proc reads, but for the rare exit whose entry never comes.
 *
 * <p>The entry is written just after the exit's netlink message is queued (exit_mm runs between,
 * which can take a while for a large address space, or be preempted), so a missing entry is waited
 * for, with growing pauses, up to {@link #MAX_WAIT_NANOS}. An entry is the exit's only if it was
 * written at the exit: one older than the exit's own time (from {@code ac_btime64 + ac_etime}, to
 * a second) was left by an earlier task with the same thread id whose exit the agent never took
 * (another CPU set, a kernel socket overflow); pids wrap within seconds where pid_max is 32768.
 * After the wait the task's own /proc file is read (exact on cgroup2 while it is not yet reaped).
 *
 * <p>The entry also holds the leader's comm at the exit: the process's command, exactly. Where the
 * kernel has no BTF (or the entry never came), the command is what the exit and /proc still say
 * ({@link Command#ofExit}, {@link ProcComm#ofLiveProcess}).
 */
public final class ExitHookAttributor implements Attributor {

  private static final Logger log = LoggerFactory.getLogger(ExitHookAttributor.class);
  static final long MAX_WAIT_NANOS = 100_000_000L;
  private static final long FIRST_PAUSE_NANOS = 20_000L;
  /** How much earlier than the exit's own (second-precision) time its entry may seem written. */
  private static final long EARLIEST_NANOS = 250_000_000L;

  private final ExitCgroupProbe probe;
  private final CgroupIds ids;
  private final ProcCgroupFiles proc;
  private final ProcComm comms;
  private final AttributionCounters counters = new AttributionCounters();
  private final RateLimitedWarnings warnings = new RateLimitedWarnings(log, 10, TimeUnit.SECONDS);
  private final ThreadLocal<Entry> entries = ThreadLocal.withInitial(Entry::new);

  /** One receive thread's copy of a taken map entry. */
  private static final class Entry {
    final long[] idAndTime = new long[2];
    final byte[] comm = new byte[ExitCgroupProbe.COMM_LEN];
    final KernelComms commands = new KernelComms(CommandSource.exit_hook);
    /** The leader's comm as taken, or null when the entry had none (no BTF, or no entry at all). */
    Command command;
  }

  public ExitHookAttributor(ExitCgroupProbe probe, CgroupIds ids, ProcCgroupFiles proc, ProcComm comms) {
    this.probe = probe;
    this.counters.exitHookLostEntries = probe::lostEntries;
    this.ids = ids;
    this.proc = proc;
    this.comms = comms;
  }

  @Override
  public ExitAttribution attribute(ExitNotification exit) {
    Entry entry = entries.get();
    entry.command = null;
    Attribution a = fromHook(exit, entry);
    if (a == null) {
      Cgroup c = proc.thread(exit.tgid() != 0 ? exit.tgid() : exit.pid(), exit.pid());
      a = c == null ? Attribution.NONE : new Attribution(c, CgroupSource.proc_at_exit);
    }
    return counters.count(new ExitAttribution(a, command(exit, entry.command)));
  }

  /** A leader's own name is its command; another thread's is the leader's from the hook, else from /proc. */
  private Command command(ExitNotification exit, Command fromHook) {
    if (Command.isLeader(exit)) {
      return Command.ofExit(exit);
    }
    if (fromHook != null) {
      return fromHook;
    }
    Command live = comms.ofLiveProcess(exit);
    return live != null ? live : Command.ofExit(exit);
  }

  private Attribution fromHook(ExitNotification exit, Entry taken) {
    long[] entry = taken.idAndTime;
    long earliest = earliestEntryNanos(exit.acBtime(), exit.acEtime(), System.currentTimeMillis(), System.nanoTime());
    long waited = 0;
    long pause = FIRST_PAUSE_NANOS;
    boolean counted = false;
    try {
      while (true) {
        if (probe.take((int) exit.pid(), exit.acComm(), entry, taken.comm)) {
          if (entry[1] >= earliest) {
            taken.command = taken.commands.of(taken.comm);
            Cgroup c = ids.cgroup(entry[0]);
            if (c == null) {
              counters.unresolvedCgroupIds.increment();
              return null; // removed before it was seen: its exiting tasks' /proc files still name it
            }
            return new Attribution(c, CgroupSource.exit_hook);
          }
          counters.exitHookStale.increment();
          continue; // taken and dropped; the exit's own entry may still come
        }
        if (waited >= MAX_WAIT_NANOS) {
          counters.exitHookTimeouts.increment();
          return null;
        }
        if (!counted) {
          counters.exitHookWaits.increment();
          counted = true;
        }
        long t0 = System.nanoTime();
        LockSupport.parkNanos(pause);
        waited += System.nanoTime() - t0;
        pause = Math.min(pause * 2, 10_000_000L);
      }
    } catch (BpfException e) {
      warnings.warn("exit-hook", "cannot read the exit hook's map: {}", e.getMessage());
      return null;
    }
  }

  /**
   * The earliest CLOCK_MONOTONIC time the exit's entry can carry. The kernel computes ac_btime64
   * as the wall-clock second at exit minus the whole seconds of ac_etime, so the exit happened in
   * the second that starts at ac_btime64 + floor(ac_etime / 1e6).
   */
  static long earliestEntryNanos(long btime, long etimeMicros, long wallMillisNow, long monoNanosNow) {
    long exitSecond = btime + etimeMicros / 1_000_000L;
    long monoAtExitSecond = monoNanosNow - (wallMillisNow - exitSecond * 1000L) * 1_000_000L;
    return monoAtExitSecond - EARLIEST_NANOS;
  }

  @Override
  public String mode() {
    return "exact";
  }

  @Override
  public AttributionCounters counters() {
    return counters;
  }

  @Override
  public void close() {
    probe.close();
  }
}
