package io.fleetacct.streams.topology;

import io.fleetacct.schema.TaskExit;

/** One exit's contribution to the totals, with what each table keys it by. Computed once per exit. */
public record Contribution(String host, String cgroup, String command, long[] values) {

  public static Contribution of(TaskExit e) {
    return new Contribution(e.getHost(), e.getCgroup() == null ? Tables.UNATTRIBUTED : e.getCgroup(),
        e.getTask().getAcComm(), Totals.of(e));
  }
}
