package io.fleetacct.streams.topology;

import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The counting rules (shared/DESIGN.md): what one exit adds to a {@link DelayTotals}, and how two
 * totals merge.
 *
 * <ul>
 *   <li>Additive totals come from the exiting thread's own record ({@code task}) only: the
 *       {@code thread_group} aggregate already contains the final thread, so adding it too would
 *       count twice.</li>
 *   <li>{@code exits} counts task records; {@code processes} counts whole-process exits (AGROUP
 *       on struct version 12+, before that a present thread_group, or ac_pid == ac_tgid).</li>
 *   <li>{@code *_delay_max} and {@code hiwater_*} merge with max, {@code *_delay_min} with min over
 *       non-zero values, {@code first_seen} with min and {@code last_seen} with max; the rest sum.</li>
 * </ul>
 *
 * Every DelayTotals field other than exits, processes and the two times has the name of the
 * struct taskstats field it totals, so the mapping is by name and a new field needs no code.
 */
public final class Contributions {

  private static final int AGROUP = 0x20;

  private enum Merge { SUM, MAX, MIN_NONZERO }

  private static final Schema TOTALS = DelayTotals.getClassSchema();
  /** For each DelayTotals position: the TaskStats position of the same name, or -1. */
  private static final int[] FROM_TASK;
  private static final Merge[] MERGE;

  static {
    List<Schema.Field> fields = TOTALS.getFields();
    FROM_TASK = new int[fields.size()];
    MERGE = new Merge[fields.size()];
    for (Schema.Field f : fields) {
      Schema.Field source = TaskStats.getClassSchema().getField(f.name());
      FROM_TASK[f.pos()] = source == null ? -1 : source.pos();
      MERGE[f.pos()] = f.name().endsWith("_delay_max") || f.name().startsWith("hiwater_") ? Merge.MAX
          : f.name().endsWith("_delay_min") ? Merge.MIN_NONZERO
          : Merge.SUM;
    }
  }

  private Contributions() {}

  /** Whether an exit ends its whole process. */
  public static boolean endsProcess(TaskExit exit) {
    TaskStats t = exit.getTask();
    if (t.getVersion() >= 12) {
      return (t.getAcFlag() & AGROUP) != 0;
    }
    return exit.getThreadGroup() != null || (t.getAcTgid() != 0 && t.getAcPid() == t.getAcTgid());
  }

  /** What one exit adds: one exit, its process if it ends one, its task record's fields. */
  public static DelayTotals of(TaskExit exit) {
    DelayTotals c = empty();
    TaskStats t = exit.getTask();
    for (int i = 0; i < FROM_TASK.length; i++) {
      if (FROM_TASK[i] >= 0) {
        c.put(i, ((Number) t.get(FROM_TASK[i])).longValue());
      }
    }
    c.setExits(1L);
    c.setProcesses(endsProcess(exit) ? 1L : 0L);
    c.setFirstSeen(exit.getReceivedAt());
    c.setLastSeen(exit.getReceivedAt());
    return c;
  }

  /** Totals of nothing: the aggregate's initial value. */
  public static DelayTotals empty() {
    DelayTotals d = new DelayTotals();
    for (int i = 0; i < MERGE.length; i++) {
      if (TOTALS.getFields().get(i).schema().getLogicalType() == null) {
        d.put(i, 0L);
      }
    }
    d.setFirstSeen(Instant.EPOCH);
    d.setLastSeen(Instant.EPOCH);
    return d;
  }

  /** Adds {@code c} into {@code into} (which it returns); neither may be null. */
  public static DelayTotals merge(DelayTotals into, DelayTotals c) {
    boolean intoWasEmpty = into.getExits() == 0;
    for (int i = 0; i < MERGE.length; i++) {
      if (TOTALS.getFields().get(i).schema().getLogicalType() != null) {
        continue; // first_seen and last_seen, below
      }
      long a = (Long) into.get(i);
      long b = (Long) c.get(i);
      into.put(i, switch (MERGE[i]) {
        case SUM -> a + b;
        case MAX -> Math.max(a, b);
        case MIN_NONZERO -> a == 0 ? b : b == 0 ? a : Math.min(a, b);
      });
    }
    if (intoWasEmpty || c.getFirstSeen().isBefore(into.getFirstSeen())) {
      into.setFirstSeen(c.getFirstSeen());
    }
    if (c.getLastSeen().isAfter(into.getLastSeen())) {
      into.setLastSeen(c.getLastSeen());
    }
    return into;
  }
}
