package io.fleetacct.streams.topology;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.ThreadNameDeltas;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * One record's contribution to the aggregates (an exit's totals and delay observations, or a live
 * process's sample's totals), with what each table keys it by: its host, cgroup and program, and
 * its parts by thread name for the threads of a program, and whether the 1-minute windows take it
 * ({@link WindowAdmission}). Computed once per record.
 */
public record Contribution(String host, String cgroup, String command, Aggregate values, List<Thread> threads,
                           boolean windowed) {

  /** What the threads of one name add: an exit's thread alone, or a sample's threads of that name. */
  public record Thread(String name, Aggregate values) {}

  /** The command of exits from agents that did not send one, when the thread was not the leader. */
  public static final String UNKNOWN_COMMAND = "(unknown)";

  /** A record's contribution to the all-time tables and the windows. */
  public static Contribution of(SpecificRecord record, Folding folding) {
    return of(record, folding, true);
  }

  /** @param record a {@link TaskExit} or a {@link TaskSample} */
  public static Contribution of(SpecificRecord record, Folding folding, boolean windowed) {
    if (record instanceof TaskSample s) {
      Aggregate values = Aggregate.of(Totals.of(s));
      List<Thread> threads = new ArrayList<>(s.getThreadNames().size());
      for (ThreadNameDeltas n : s.getThreadNames()) {
        threads.add(new Thread(folding.thread(n.getAcComm()), Aggregate.of(Totals.of(n, s.getSampledAt()))));
      }
      return new Contribution(s.getHost(), cgroupKey(s.getCgroup()), folding.command(s.getAcComm()), values, threads,
          windowed);
    }
    TaskExit e = (TaskExit) record;
    Aggregate values = Aggregate.of(Totals.of(e), DelaySketches.encodeOf(e.getTask()));
    return new Contribution(e.getHost(), cgroupKey(e.getCgroup()), folding.command(command(e)), values,
        List.of(new Thread(folding.thread(e.getTask().getAcComm()), values)), windowed);
  }

  /**
   * The exit's program: as the agent found it; from older agents, the thread's own name where the
   * thread was its process's leader, else unknown (a thread's name is not its program's).
   */
  static String command(TaskExit e) {
    if (e.getCommand() != null) {
      return e.getCommand();
    }
    TaskStats t = e.getTask();
    return t.getAcPid() == t.getAcTgid() || t.getAcTgid() == 0 ? t.getAcComm() : UNKNOWN_COMMAND;
  }

  private static String cgroupKey(String cgroup) {
    return cgroup == null ? Tables.UNATTRIBUTED : cgroup;
  }
}
