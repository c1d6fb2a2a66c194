package io.fleetacct.schema;

/**
 * The {@code ac_flag} bits of struct taskstats (include/uapi/linux/acct.h), and the counting
 * rule built on them: which exit ends its whole process (docs/counting-rules.md).
 */
public final class AcFlag {

  public static final int AFORK = 0x01;
  public static final int ASU = 0x02;
  public static final int ACORE = 0x08;
  public static final int AXSIG = 0x10;
  /** Last thread of its thread group (struct version 12 and later). */
  public static final int AGROUP = 0x20;

  private AcFlag() {}

  /**
   * Whether an exit ends its whole process: AGROUP from struct version 12; before it (no AGROUP,
   * no ac_tgid), the exit that carries the thread-group aggregate, or the exit of the thread whose
   * id is the group's.
   *
   * @param task the exiting thread's record
   * @param threadGroup the thread-group aggregate sent with it, or null
   * @param pid the thread's id
   * @param tgid its thread group's id, 0 if unknown
   */
  public static boolean endsProcess(TaskStats task, TaskStats threadGroup, long pid, long tgid) {
    return endsProcess(task.getVersion(), task.getAcFlag(), threadGroup != null, pid, tgid);
  }

  /** As {@link #endsProcess(TaskStats, TaskStats, long, long)}, from the record's version and ac_flag. */
  public static boolean endsProcess(int version, int acFlag, boolean withThreadGroup, long pid, long tgid) {
    if (version >= 12) {
      return (acFlag & AGROUP) != 0;
    }
    return withThreadGroup || (tgid != 0 && pid == tgid);
  }
}
