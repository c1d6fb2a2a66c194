package io.fleetacct.streams.topology;

import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.ThreadNameDeltas;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The counting rules (docs/counting-rules.md) on the aggregate's working form: an array of longs in
 * {@link DelayTotals} field order (first_seen and last_seen as epoch milliseconds). Stores and
 * repartition topics hold this form ({@link TotalsSerde}); {@link #toRecord} makes the Avro record
 * for the output topics and the query API.
 *
 * <ul>
 *   <li>Additive totals come from the exiting thread's own record ({@code task}) only: the
 *       {@code thread_group} aggregate already contains the final thread, so adding it too would
 *       count twice.</li>
 *   <li>{@code exits} counts task records; {@code processes} counts whole-process exits (AGROUP
 *       on struct version 12+; before that a present thread_group, or ac_pid == ac_tgid).</li>
 *   <li>A {@link TaskSample} adds its deltas and counts in {@code samples}; an exit whose thread
 *       was sampled adds {@code task - sampled}, so a thread's samples and exit add up to its
 *       lifetime totals, each part counted once.</li>
 *   <li>{@code *_delay_max} and {@code hiwater_*} merge with max, {@code *_delay_min} with min over
 *       non-zero values, {@code first_seen} with min and {@code last_seen} with max; the rest sum.</li>
 * </ul>
 *
 * Every DelayTotals field other than exits, processes and the two times has the name of the
 * struct taskstats field it totals, so the mapping is by name and a new field needs no code.
 */
public final class Totals {

  private static final byte SUM = 0;
  private static final byte MAX = 1;
  private static final byte MIN_NONZERO = 2;
  private static final byte MIN_SEEN = 3;

  /** The totals: the DelayTotals fields before its delay distributions, which are no longs and come last. */
  private static final List<Schema.Field> FIELDS = DelayTotals.getClassSchema().getFields().stream()
      .takeWhile(f -> f.schema().getType() == Schema.Type.LONG).toList();
  public static final int SIZE = FIELDS.size();
  private static final int EXITS = pos("exits");
  private static final int PROCESSES = pos("processes");
  private static final int FIRST_SEEN = pos("first_seen");
  private static final int LAST_SEEN = pos("last_seen");
  private static final int SAMPLES = pos("samples");
  /** For each position: the TaskStats position of the same name, or -1. */
  private static final int[] FROM_TASK = new int[SIZE];
  /** For each position: the TaskDeltas position of the same name, or -1. */
  private static final int[] FROM_DELTAS = new int[SIZE];
  /** For each position: the TaskSample position of the same name (its maxima), or -1. */
  private static final int[] FROM_SAMPLE = new int[SIZE];
  private static final byte[] MERGE = new byte[SIZE];
  /** Positions by how they merge: merge() runs on every aggregation and on every bucket a ranking reads. */
  private static final int[] SUMS;
  private static final int[] MAXIMA;
  private static final int[] MINIMA;

  static {
    for (Schema.Field f : FIELDS) {
      Schema.Field source = TaskStats.getClassSchema().getField(f.name());
      FROM_TASK[f.pos()] = source == null ? -1 : source.pos();
      Schema.Field delta = TaskDeltas.getClassSchema().getField(f.name());
      FROM_DELTAS[f.pos()] = delta == null ? -1 : delta.pos();
      Schema.Field sampled = TaskSample.getClassSchema().getField(f.name());
      FROM_SAMPLE[f.pos()] = sampled == null || f.pos() == FIRST_SEEN || f.pos() == LAST_SEEN ? -1 : sampled.pos();
      MERGE[f.pos()] = f.pos() == FIRST_SEEN ? MIN_SEEN
          : f.pos() == LAST_SEEN || f.name().endsWith("_delay_max") || f.name().startsWith("hiwater_") ? MAX
          : f.name().endsWith("_delay_min") ? MIN_NONZERO
          : SUM;
    }
    SUMS = positionsOf(SUM);
    MAXIMA = positionsOf(MAX);
    MINIMA = positionsOf(MIN_NONZERO);
  }

  private static int[] positionsOf(byte merge) {
    int n = 0;
    for (byte m : MERGE) {
      n += m == merge ? 1 : 0;
    }
    int[] out = new int[n];
    for (int i = 0, j = 0; i < SIZE; i++) {
      if (MERGE[i] == merge) {
        out[j++] = i;
      }
    }
    return out;
  }

  private Totals() {}

  private static int pos(String name) {
    return DelayTotals.getClassSchema().getField(name).pos();
  }

  /** Whether an exit ends its whole process. */
  public static boolean endsProcess(TaskExit exit) {
    TaskStats t = exit.getTask();
    return AcFlag.endsProcess(t, exit.getThreadGroup(), t.getAcPid(), t.getAcTgid());
  }

  /**
   * What one exit adds: one exit, its process if it ends one, its task record's fields less what
   * samples of its thread published already.
   */
  public static long[] of(TaskExit exit) {
    long[] c = new long[SIZE];
    TaskStats t = exit.getTask();
    TaskDeltas sampled = exit.getSampled();
    for (int i = 0; i < SIZE; i++) {
      if (FROM_TASK[i] >= 0) {
        c[i] = ((Number) t.get(FROM_TASK[i])).longValue();
      }
      if (sampled != null && FROM_DELTAS[i] >= 0) {
        c[i] -= (Long) sampled.get(FROM_DELTAS[i]);
      }
    }
    c[EXITS] = 1;
    c[PROCESSES] = endsProcess(exit) ? 1 : 0;
    c[FIRST_SEEN] = exit.getReceivedAt().toEpochMilli();
    c[LAST_SEEN] = c[FIRST_SEEN];
    return c;
  }

  /** What one sample adds: its deltas, its maxima, one sample. */
  public static long[] of(TaskSample sample) {
    long[] c = of(sample.getDeltas(), sample.getSampledAt());
    for (int i = 0; i < SIZE; i++) {
      if (FROM_DELTAS[i] < 0 && FROM_SAMPLE[i] >= 0) {
        c[i] = ((Number) sample.get(FROM_SAMPLE[i])).longValue();
      }
    }
    return c;
  }

  /** What the threads of one name in a sample add: their deltas, one sample (maxima are the sample's). */
  public static long[] of(ThreadNameDeltas threads, Instant sampledAt) {
    return of(threads.getDeltas(), sampledAt);
  }

  private static long[] of(TaskDeltas d, Instant at) {
    long[] c = new long[SIZE];
    for (int i = 0; i < SIZE; i++) {
      if (FROM_DELTAS[i] >= 0) {
        c[i] = (Long) d.get(FROM_DELTAS[i]);
      }
    }
    c[SAMPLES] = 1;
    c[FIRST_SEEN] = at.toEpochMilli();
    c[LAST_SEEN] = c[FIRST_SEEN];
    return c;
  }

  /** Totals of nothing: the aggregate's initial value. */
  public static long[] empty() {
    return new long[SIZE];
  }

  /**
   * Whether these totals count nothing: no exit and no sample. A window holds such a value where
   * only records outside the windows reached its key ({@link FleetacctTopology}); nobody reads it.
   */
  public static boolean isEmpty(long[] t) {
    return t[EXITS] == 0 && t[SAMPLES] == 0;
  }

  /** Adds {@code c} into {@code into} and returns it; empty totals change nothing. */
  public static long[] merge(long[] into, long[] c) {
    if (isEmpty(c)) {
      return into;
    }
    into[FIRST_SEEN] = isEmpty(into) ? c[FIRST_SEEN] : Math.min(into[FIRST_SEEN], c[FIRST_SEEN]);
    for (int i : SUMS) {
      into[i] += c[i];
    }
    for (int i : MAXIMA) {
      into[i] = Math.max(into[i], c[i]);
    }
    for (int i : MINIMA) {
      long a = into[i];
      long b = c[i];
      into[i] = a == 0 ? b : b == 0 ? a : Math.min(a, b);
    }
    return into;
  }

  /**
   * What {@code newer} adds to {@code older}, an earlier state of the same aggregate (null: none):
   * differences of the sums, {@code newer}'s own values for the max, min and seen fields. Merging
   * the result into any aggregate that contains {@code older} gives the same as merging
   * {@code newer} into one that does not, because aggregates only grow.
   */
  public static long[] delta(long[] newer, long[] older) {
    if (older == null) {
      return newer.clone();
    }
    long[] d = newer.clone();
    for (int i = 0; i < SIZE; i++) {
      if (MERGE[i] == SUM) {
        d[i] -= older[i];
      }
    }
    return d;
  }

  /** The position of a DelayTotals field in the working form, or -1 if there is none. */
  public static int position(String field) {
    Schema.Field f = DelayTotals.getClassSchema().getField(field);
    return f == null || f.pos() >= SIZE ? -1 : f.pos();
  }


  /** The totals as a record; its distributions are null ({@link Aggregate#toRecord} has them). */
  public static DelayTotals toRecord(long[] t) {
    DelayTotals d = new DelayTotals();
    for (int i = 0; i < SIZE; i++) {
      if (i == FIRST_SEEN || i == LAST_SEEN) {
        d.put(i, Instant.ofEpochMilli(t[i]));
      } else {
        d.put(i, t[i]);
      }
    }
    return d;
  }
}
