package io.fleetacct.agent.sample;

import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * What samples have published for each live thread, so that its exit can say so ({@code sampled})
 * and the next sample publishes only what came since. A thread is known by its id and start
 * ({@code ac_btime64}, seconds), so that a reused id is not taken for the task that had it before.
 *
 * <p>Exits and the sampler meet here. The sampler reads a thread, then checks it has not begun to
 * exit ({@link LiveThreads#running}), then installs what it will publish. An exit handled in
 * between must not be given the old figures while the sample publishes the new ones on top: while
 * a cycle runs, {@link #take} leaves a mark that makes {@link #install} refuse that thread, both
 * under the map's lock for the thread's id. Outside cycles no mark is needed: a thread that began to
 * exit is not read at all.
 *
 * <p>A thread missing from a cycle's listing is not forgotten at once: a listing of
 * {@code /proc/PID/task} skips live threads when others exit meanwhile (the kernel resumes it by
 * index), and a thread already gone may still have its exit record waiting in the socket. Either
 * way its exit must still find what was published, else the samples and the exit both count it.
 * Only a thread unlisted for {@link #FORGET_AFTER_NANOS} is forgotten (its exit record was lost).
 *
 * <p>Thread-safe: {@link #take} runs on the receive threads, the rest on the sampler's thread.
 */
public final class SampledThreads {

  /** TaskDeltas fields, with their positions in TaskStats. */
  static final List<Schema.Field> FIELDS = TaskDeltas.getClassSchema().getFields();
  private static final int[] FROM_STATS = positions(FIELDS.stream().map(Schema.Field::name).toList(), TaskStats.getClassSchema());
  /** The delay kinds whose largest single delay a sample carries ({@code <kind>_delay_max}). */
  static final List<String> MAX_FIELDS = TaskSample.getClassSchema().getFields().stream().map(Schema.Field::name)
      .filter(n -> n.endsWith("_delay_max")).toList();
  private static final int[] MAX_FROM_STATS = positions(MAX_FIELDS, TaskStats.getClassSchema());

  /** What was published for one thread: its figures at its last sample. */
  record Published(long btime, long[] totals, long[] maxima) {}

  /**
   * How long a thread that no listing shows keeps what was published for it: far longer than an
   * exit record waits in the socket, short enough that lost exits do not pile up.
   */
  static final long FORGET_AFTER_NANOS = 60_000_000_000L;

  private final Map<Long, Published> published = new ConcurrentHashMap<>();
  /** Published threads missing from the listings since: tid -> System.nanoTime() (sampler thread only). */
  private final Map<Long, Long> unlisted = new HashMap<>();
  /** Threads whose exit was handled during the running cycle: tid -> ac_btime64. */
  private final Map<Long, Long> exited = new ConcurrentHashMap<>();
  private volatile boolean cycle;

  /**
   * For an exit: what samples published for this thread (null if nothing, or only for an earlier
   * task with the same id), which its record carries as {@code sampled}; the thread is forgotten.
   */
  public TaskDeltas take(long tid, long btime) {
    Published p;
    if (cycle) {
      Published[] was = new Published[1];
      published.compute(tid, (k, old) -> {
        was[0] = old;
        exited.put(tid, btime);
        return null;
      });
      p = was[0];
    } else {
      p = published.remove(tid); // on every exit between cycles: no mark, no lambda
    }
    return p != null && sameTask(p.btime(), btime) ? deltas(p.totals()) : null;
  }

  /** A sampling cycle begins: exits from now on leave their mark for {@link #install}. */
  void beginCycle() {
    cycle = true;
  }

  /**
   * The cycle ended at {@code nowNanos}: forget the marks, and every thread that no listing has
   * shown for {@link #FORGET_AFTER_NANOS} ({@code seen}: the threads listed in this cycle; null: the
   * listing failed, which says nothing).
   */
  void endCycle(Set<Long> seen, long nowNanos) {
    cycle = false;
    exited.clear();
    if (seen == null) {
      return;
    }
    unlisted.keySet().removeIf(tid -> seen.contains(tid) || !published.containsKey(tid));
    for (Long tid : published.keySet()) {
      if (!seen.contains(tid) && nowNanos - unlisted.computeIfAbsent(tid, t -> nowNanos) >= FORGET_AFTER_NANOS) {
        published.remove(tid);
        unlisted.remove(tid);
      }
    }
  }

  /** What was published for this thread, if anything was for this very task. */
  Published get(long tid, long btime) {
    Published p = published.get(tid);
    return p != null && sameTask(p.btime(), btime) ? p : null;
  }

  /** Records what a sample publishes for a thread, unless its exit was handled meanwhile. */
  boolean install(long tid, Published now) {
    boolean[] done = new boolean[1];
    published.compute(tid, (k, p) -> {
      Long gone = exited.get(tid);
      if (gone != null && sameTask(gone, now.btime())) {
        return p; // its exit record covers it: publish nothing for it
      }
      done[0] = true;
      return now;
    });
    return done[0];
  }

  /** Everything known, for the journal: tid -> what was published. */
  Map<Long, Published> snapshot() {
    return Collections.unmodifiableMap(published);
  }

  /** What a previous run of this agent instance had published, from its journal. */
  void restore(Map<Long, Published> previous) {
    published.putAll(previous);
  }

  public int size() {
    return published.size();
  }

  /** ac_btime64 is computed from the clock at each reading: allow it to differ by a second. */
  static boolean sameTask(long btimeA, long btimeB) {
    return Math.abs(btimeA - btimeB) <= 1;
  }

  static long[] totals(TaskStats s) {
    return read(s, FROM_STATS);
  }

  static long[] maxima(TaskStats s) {
    return read(s, MAX_FROM_STATS);
  }

  static TaskDeltas deltas(long[] values) {
    TaskDeltas d = new TaskDeltas();
    for (int i = 0; i < values.length; i++) {
      d.put(i, values[i]);
    }
    return d;
  }

  private static long[] read(TaskStats s, int[] from) {
    long[] v = new long[from.length];
    for (int i = 0; i < from.length; i++) {
      v[i] = ((Number) s.get(from[i])).longValue();
    }
    return v;
  }

  private static int[] positions(List<String> names, Schema in) {
    List<Integer> out = new ArrayList<>();
    for (String n : names) {
      Schema.Field f = in.getField(n);
      if (f == null) {
        throw new IllegalStateException(n + " is not a field of " + in.getName());
      }
      out.add(f.pos());
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
