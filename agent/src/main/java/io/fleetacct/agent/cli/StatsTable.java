package io.fleetacct.agent.cli;

import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A getdelays-like human view of taskstats records. */
final class StatsTable {

  private StatsTable() {}

  /** The column heads of {@link #line}. */
  static String header() {
    return String.format(Locale.ROOT, "%-16s %8s %8s %-9s %10s %10s %10s  %s%n", "COMMAND", "PID", "TGID", "EXIT",
        "CPU ms", "CPU wait", "IO wait", "CGROUP  (other waits)");
  }

  /**
   * One exit on one line: the thread's command, ids, how it ended, CPU time, CPU and block-IO wait
   * (ms), its cgroup, then only the other delay kinds that are not zero.
   */
  static String line(TaskExit e) {
    TaskStats t = e.getTask();
    StringBuilder other = new StringBuilder();
    other(other, "swapin", t.getSwapinDelayTotal());
    other(other, "reclaim", t.getFreepagesDelayTotal());
    other(other, "thrashing", t.getThrashingDelayTotal());
    other(other, "compact", t.getCompactDelayTotal());
    other(other, "wpcopy", t.getWpcopyDelayTotal());
    other(other, "irq", t.getIrqDelayTotal());
    String ended = AcFlag.endsProcess(t, e.getThreadGroup(), t.getAcPid(), t.getAcTgid())
        ? status(t.getAcExitcode()) : "thread";
    return String.format(Locale.ROOT, "%-16s %8d %8d %-9s %10.3f %10.3f %10.3f  %s%s%n", t.getAcComm(),
        t.getAcPid(), t.getAcTgid(), ended, (t.getAcUtime() + t.getAcStime()) / 1e3, t.getCpuDelayTotal() / 1e6,
        t.getBlkioDelayTotal() / 1e6, e.getCgroup() == null ? "-" : e.getCgroup(), other);
  }

  private static void other(StringBuilder sb, String kind, long totalNs) {
    if (totalNs != 0) {
      sb.append(String.format(Locale.ROOT, "  %s %.3f ms", kind, totalNs / 1e6));
    }
  }

  /** Every field of an exit, on several lines (getdelays-like); {@code listen --all-fields}. */
  static String exit(TaskExit e) {
    TaskStats t = e.getTask();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s pid %d tgid %d ppid %d uid %d %s flags %s cgroup %s%n",
        t.getAcComm(), t.getAcPid(), t.getAcTgid(), t.getAcPpid(), t.getAcUid(), status(t.getAcExitcode()),
        flags(t.getAcFlag()), e.getCgroup() == null ? "-" : e.getCgroup()));
    sb.append(stats(t, "  "));
    if (e.getThreadGroup() != null) {
      sb.append("  thread group total:\n").append(stats(e.getThreadGroup(), "    "));
    }
    return sb.toString();
  }

  /** One task's record: an exit's, or a live thread's (TASKSTATS_CMD_ATTR_PID). */
  static String stats(TaskStats t, String indent) {
    StringBuilder sb = new StringBuilder();
    cpu(sb, indent, t, "wall");
    sb.append(String.format(Locale.ROOT, "%sio read %d B write %d B cancelled %d B; rss peak %d KB vm peak %d KB%n",
        indent, t.getReadBytes(), t.getWriteBytes(), t.getCancelledWriteBytes(), t.getHiwaterRss(), t.getHiwaterVm()));
    delays(sb, indent, t);
    return sb.toString();
  }

  /**
   * A thread group's answer to TASKSTATS_CMD_ATTR_TGID: the kernel fills delays, CPU times, the sum
   * of thread lifetimes and context switches only, so the rest is shown as not available, not 0.
   */
  static String threadGroup(long tgid, TaskStats t, String indent) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "thread group %d version %d (comm, ids, io and memory: n/a in a TGID"
        + " answer)%n", tgid, t.getVersion()));
    cpu(sb, indent, t, "thread lifetimes");
    sb.append(indent).append("io n/a; rss peak n/a vm peak n/a\n");
    delays(sb, indent, t);
    return sb.toString();
  }

  private static void cpu(StringBuilder sb, String indent, TaskStats t, String wall) {
    sb.append(String.format(Locale.ROOT, "%scpu user %.3f ms system %.3f ms, run real %.3f ms virtual %.3f ms,"
            + " %s %.3f ms, switches %d voluntary %d involuntary%n", indent, t.getAcUtime() / 1e3,
        t.getAcStime() / 1e3, t.getCpuRunRealTotal() / 1e6, t.getCpuRunVirtualTotal() / 1e6, wall,
        t.getAcEtime() / 1e3, t.getNvcsw(), t.getNivcsw()));
  }

  private static void delays(StringBuilder sb, String indent, TaskStats t) {
    sb.append(String.format(Locale.ROOT, "%s%-10s %10s %14s %10s %10s %10s%n", indent, "delay", "count",
        "total ms", "avg ms", "max ms", "min ms"));
    row(sb, indent, "CPU", t.getCpuCount(), t.getCpuDelayTotal(), t.getCpuDelayMax(), t.getCpuDelayMin());
    row(sb, indent, "IO", t.getBlkioCount(), t.getBlkioDelayTotal(), t.getBlkioDelayMax(), t.getBlkioDelayMin());
    row(sb, indent, "SWAP", t.getSwapinCount(), t.getSwapinDelayTotal(), t.getSwapinDelayMax(),
        t.getSwapinDelayMin());
    row(sb, indent, "RECLAIM", t.getFreepagesCount(), t.getFreepagesDelayTotal(), t.getFreepagesDelayMax(),
        t.getFreepagesDelayMin());
    row(sb, indent, "THRASHING", t.getThrashingCount(), t.getThrashingDelayTotal(), t.getThrashingDelayMax(),
        t.getThrashingDelayMin());
    row(sb, indent, "COMPACT", t.getCompactCount(), t.getCompactDelayTotal(), t.getCompactDelayMax(),
        t.getCompactDelayMin());
    row(sb, indent, "WPCOPY", t.getWpcopyCount(), t.getWpcopyDelayTotal(), t.getWpcopyDelayMax(),
        t.getWpcopyDelayMin());
    row(sb, indent, "IRQ", t.getIrqCount(), t.getIrqDelayTotal(), t.getIrqDelayMax(), t.getIrqDelayMin());
  }

  private static void row(StringBuilder sb, String indent, String kind, long count, long total, long max, long min) {
    sb.append(String.format(Locale.ROOT, "%s%-10s %10d %14.3f %10.3f %10.3f %10.3f%n", indent, kind, count,
        total / 1e6, count == 0 ? 0.0 : total / 1e6 / count, max / 1e6, min / 1e6));
  }

  static String status(long waitStatus) {
    int signal = (int) (waitStatus & 0x7f);
    return signal == 0 ? "exit " + ((waitStatus >> 8) & 0xff) : "signal " + signal;
  }

  static String flags(int flag) {
    List<String> names = new ArrayList<>();
    if ((flag & AcFlag.AFORK) != 0) {
      names.add("AFORK");
    }
    if ((flag & AcFlag.ASU) != 0) {
      names.add("ASU");
    }
    if ((flag & AcFlag.ACORE) != 0) {
      names.add("ACORE");
    }
    if ((flag & AcFlag.AXSIG) != 0) {
      names.add("AXSIG");
    }
    if ((flag & AcFlag.AGROUP) != 0) {
      names.add("AGROUP");
    }
    return names.isEmpty() ? "-" : String.join(",", names);
  }
}
