package io.fleetacct.streams.topology;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import org.apache.avro.specific.SpecificRecord;

/**
 * One record's contribution to the totals (an exit's, or a live process's sample), with what each
 * table keys it by. Computed once per record.
 */
public record Contribution(String host, String cgroup, String command, long[] values) {

  /** @param record a {@link TaskExit} or a {@link TaskSample} */
  public static Contribution of(SpecificRecord record) {
    if (record instanceof TaskSample s) {
      return new Contribution(s.getHost(), cgroupKey(s.getCgroup()), s.getAcComm(), Totals.of(s));
    }
    TaskExit e = (TaskExit) record;
    return new Contribution(e.getHost(), cgroupKey(e.getCgroup()), e.getTask().getAcComm(), Totals.of(e));
  }

  private static String cgroupKey(String cgroup) {
    return cgroup == null ? Tables.UNATTRIBUTED : cgroup;
  }
}
