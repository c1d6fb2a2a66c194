package io.fleetacct.agent.taskstats;

import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.TaskStats;

/**
 * One decoded taskstats exit notification: the exiting thread's record and, when the last thread
 * of a thread group exits, the group aggregate.
 *
 * @param nlmsgSeq the kernel's per-CPU sequence number of the message
 * @param pid the thread id from TASKSTATS_TYPE_PID
 * @param task the thread's own record
 * @param tgid the thread group id: from TASKSTATS_TYPE_TGID when present, else {@code ac_tgid}
 *     (struct version 12+), else 0
 * @param threadGroup the TASKSTATS_TYPE_AGGR_TGID record, or null
 * @param newerStructVersion the kernel sent a struct version newer than this decoder knows; the
 *     known fields were decoded, the rest ignored
 */
public record ExitNotification(
    int nlmsgSeq, long pid, TaskStats task, long tgid, TaskStats threadGroup, boolean newerStructVersion) {

  /** {@link #nlmsgSeq} as the kernel's unsigned 32-bit number. */
  public long kernelSeq() {
    return nlmsgSeq & 0xffffffffL;
  }

  /** Whether this exit ends its whole process, by the counting rules. */
  public boolean endsProcess() {
    return AcFlag.endsProcess(task, threadGroup, pid, tgid);
  }
}
