package io.fleetacct.streams.topology;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import io.fleetacct.schema.TaskStats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The delay distributions of one key (and window): for each {@link Observation}, a DDSketch of one
 * observation per exit (the thread's record, its whole life), answering quantiles within
 * {@value #RELATIVE_ACCURACY} relative error and merging exactly (bucket counts add). Samples of
 * live threads are not observations: a distribution here is over exits.
 */
public final class DelaySketches {

  /** Every answer's relative error bound: a reported quantile is within 1% of the exact one. */
  public static final double RELATIVE_ACCURACY = 0.01;

  private static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);
  /** Struct taskstats version 16 added the per-task maximum (and minimum) of each delay kind. */
  private static final int MAX_SINCE_VERSION = 16;

  /** The delay kinds, as struct taskstats names them (their {@code _count} and {@code _delay_total}). */
  private static final List<String> KINDS = List.of("cpu", "blkio", "swapin", "freepages", "thrashing", "compact",
      "wpcopy", "irq");

  /**
   * What is observed per exit: {@code <kind>_delay_avg}, the thread's average wait per event of the
   * kind ({@code <kind>_delay_total / <kind>_count}), for exits with at least one event; {@code
   * <kind>_delay_max}, its longest single wait, where the struct carries it (version 16 on).
   */
  public record Observation(int id, String name, int count, int total, int max) {

    private static final List<Observation> ALL = build();

    /** All observations: every kind's {@code _avg} then every kind's {@code _max}. */
    public static List<Observation> all() {
      return ALL;
    }

    private static List<Observation> build() {
      Schema s = TaskStats.getClassSchema();
      Observation[] m = new Observation[2 * KINDS.size()];
      for (int i = 0; i < KINDS.size(); i++) {
        String k = KINDS.get(i);
        int count = s.getField(k + "_count").pos();
        int total = s.getField(k + "_delay_total").pos();
        int max = s.getField(k + "_delay_max").pos();
        m[i] = new Observation(i, k + "_delay_avg", count, total, -1);
        m[KINDS.size() + i] = new Observation(KINDS.size() + i, k + "_delay_max", count, -1, max);
      }
      return List.of(m);
    }

    /** The observation of this name, or null. */
    public static Observation named(String name) {
      return all().stream().filter(m -> m.name.equals(name)).findFirst().orElse(null);
    }

    /** This exit's observation in ns, or -1 when it has none. */
    double observe(TaskStats t) {
      long events = ((Number) t.get(count)).longValue();
      if (events <= 0) {
        return -1;
      }
      if (max < 0) {
        return ((Number) t.get(total)).doubleValue() / events;
      }
      return t.getVersion() >= MAX_SINCE_VERSION ? ((Number) t.get(max)).doubleValue() : -1;
    }
  }

  private final DDSketch[] sketches = new DDSketch[Observation.all().size()];

  /** No observations. */
  public DelaySketches() {}

  /** One exit's observations. */
  public static DelaySketches of(TaskStats task) {
    DelaySketches d = new DelaySketches();
    d.observe(task);
    return d;
  }

  private void observe(TaskStats task) {
    for (Observation o : Observation.all()) {
      double v = o.observe(task);
      if (v >= 0) {
        sketch(o).accept(v);
      }
    }
  }

  /** Each thread's sketches for {@link #encodeOf} (per exit) and {@link #quantileOf} (per ranked key): cleared, not allocated. */
  private static final ThreadLocal<DelaySketches> SCRATCH = ThreadLocal.withInitial(DelaySketches::new);

  /** One exit's observations in stored form: {@code of(task).encode()} without a sketch per exit. */
  public static byte[] encodeOf(TaskStats task) {
    DelaySketches d = SCRATCH.get();
    for (DDSketch s : d.sketches) {
      if (s != null) {
        s.clear();
      }
    }
    d.observe(task);
    return d.encode();
  }

  private DDSketch sketch(Observation m) {
    DDSketch s = sketches[m.id()];
    if (s == null) {
      s = new DDSketch(MAPPING, UnboundedSizeDenseStore::new);
      sketches[m.id()] = s;
    }
    return s;
  }

  public boolean isEmpty() {
    return Arrays.stream(sketches).allMatch(s -> s == null || s.isEmpty());
  }

  /** Adds {@code other}'s observations into these; returns these. */
  public DelaySketches merge(DelaySketches other) {
    for (int i = 0; i < sketches.length; i++) {
      if (other.sketches[i] != null && !other.sketches[i].isEmpty()) {
        if (sketches[i] == null) {
          sketches[i] = other.sketches[i].copy();
        } else {
          sketches[i].mergeWith(other.sketches[i]);
        }
      }
    }
    return this;
  }

  /** Exits observed for {@code m}. */
  public long count(Observation m) {
    DDSketch s = sketches[m.id()];
    return s == null ? 0 : Math.round(s.getCount());
  }

  /** The {@code q}-quantile of {@code m} in ns (the lower quantile, within the relative error), NaN if none. */
  public double quantile(Observation m, double q) {
    DDSketch s = sketches[m.id()];
    return s == null || s.isEmpty() ? Double.NaN : s.getValueAtQuantile(q);
  }

  /**
   * Exits whose observation of {@code m} exceeds {@code thresholdNanos}: exact except for
   * observations within the relative error of the threshold, which count by their bucket.
   */
  public long countAbove(Observation m, double thresholdNanos) {
    DDSketch s = sketches[m.id()];
    if (s == null) {
      return 0;
    }
    long above = 0;
    Store store = s.getPositiveValueStore();
    for (Iterator<Bin> it = store.getDescendingIterator(); it.hasNext(); ) {
      Bin bin = it.next();
      if (MAPPING.value(bin.getIndex()) <= thresholdNanos) {
        break;
      }
      above += Math.round(bin.getCount());
    }
    return above;
  }

  /** The sketch of {@code m} in DDSketch's own encoding (mapping included), or null if empty. */
  public byte[] sketchBytes(Observation m) {
    DDSketch s = sketches[m.id()];
    if (s == null || s.isEmpty()) {
      return null;
    }
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(64);
    encode(s, out, false);
    return out.trimmedCopy();
  }

  private static void encode(DDSketch s, GrowingByteArrayOutput out, boolean omitMapping) {
    try {
      s.encode(out, omitMapping);
    } catch (IOException e) { // GrowingByteArrayOutput does not throw
      throw new IllegalStateException(e);
    }
  }

  /**
   * The stored form: per non-empty observation its id, its encoding's length (2 bytes) and
   * DDSketch's encoding without the mapping (always {@link #MAPPING}). Forms concatenate: the
   * concatenation of two stored forms is a stored form of their merge ({@link #decode} merges
   * repeated ids), which is how the tables add sketches without decoding them ({@link Aggregate}).
   */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    GrowingByteArrayOutput one = GrowingByteArrayOutput.withInitialCapacity(64);
    for (int i = 0; i < sketches.length; i++) {
      if (sketches[i] != null && !sketches[i].isEmpty()) {
        one.clear();
        encode(sketches[i], one, true);
        if (one.numWrittenBytes() > 0xffff) { // a dense sketch of the full ns-to-hours range is ~2 KB
          throw new IllegalStateException("sketch of " + Observation.all().get(i).name() + " too large: "
              + one.numWrittenBytes() + " bytes");
        }
        out.write(i);
        out.write(one.numWrittenBytes() >>> 8);
        out.write(one.numWrittenBytes());
        out.write(one.backingArray(), 0, one.numWrittenBytes());
      }
    }
    return out.toByteArray();
  }

  /**
   * The {@code q}-quantile of {@code o} in a stored form ({@link #quantile}), read into this
   * thread's scratch sketch: a ranking by a quantile asks it of every key, and a sketch allocated
   * per key would cost more than reading it.
   */
  public static double quantileOf(byte[] stored, Observation o, double q) {
    DelaySketches d = SCRATCH.get();
    DDSketch s = d.sketch(o);
    s.clear();
    decodeInto(d, stored, 0, stored.length, o);
    return d.quantile(o, q);
  }

  /** Reads only {@code only}'s sketch of a stored form: ranking by one quantile needs no other. */
  public static DelaySketches decode(byte[] bytes, Observation only) {
    return decode(bytes, 0, bytes.length, only);
  }

  private static DelaySketches decode(byte[] bytes, int offset, int length, Observation only) {
    DelaySketches d = new DelaySketches();
    decodeInto(d, bytes, offset, length, only);
    return d;
  }

  /** Merges the sketches of a stored form (only {@code only}'s, unless null) into {@code d}. */
  private static void decodeInto(DelaySketches d, byte[] bytes, int offset, int length, Observation only) {
    int at = offset;
    int end = offset + length;
    try {
      while (at < end) {
        int id = bytes[at] & 0xff;
        int size = (bytes[at + 1] & 0xff) << 8 | bytes[at + 2] & 0xff;
        at += 3;
        if (id >= d.sketches.length || at + size > end) {
          throw new SerializationException("malformed delay sketches: observation " + id + ", " + size + " bytes at "
              + (at - offset) + " of " + length);
        }
        if (only == null || only.id() == id) {
          d.sketch(Observation.all().get(id)).decodeAndMergeWith(ByteArrayInput.wrap(bytes, at, size));
        }
        at += size;
      }
    } catch (IOException | ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
      throw new SerializationException("malformed delay sketches", e);
    }
  }

  /** Reads {@link #encode}'s form (or several concatenated). */
  public static DelaySketches decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length, null);
  }

  /**
   * What these sketches hold beyond {@code older}, an earlier state of the same sketches (bucket
   * counts only grow): per bucket the difference of the counts, so that merging the result into
   * anything that contains {@code older} gives the same as merging these into what does not.
   */
  public DelaySketches minus(DelaySketches older) {
    DelaySketches d = new DelaySketches();
    for (int i = 0; i < sketches.length; i++) {
      DDSketch newer = sketches[i];
      DDSketch old = older.sketches[i];
      if (newer == null || newer.isEmpty()) {
        continue;
      }
      if (old == null || old.isEmpty()) {
        d.sketches[i] = newer.copy();
        continue;
      }
      Store positive = new UnboundedSizeDenseStore();
      Iterator<Bin> before = old.getPositiveValueStore().getAscendingIterator();
      Bin b = before.hasNext() ? before.next() : null;
      for (Iterator<Bin> it = newer.getPositiveValueStore().getAscendingIterator(); it.hasNext(); ) {
        Bin bin = it.next();
        while (b != null && b.getIndex() < bin.getIndex()) {
          b = before.hasNext() ? before.next() : null;
        }
        double added = bin.getCount() - (b != null && b.getIndex() == bin.getIndex() ? b.getCount() : 0);
        if (added > 0) {
          positive.add(bin.getIndex(), added);
        }
      }
      double zeros = zeroCount(newer) - zeroCount(old);
      DDSketch delta = DDSketch.of(MAPPING, new UnboundedSizeDenseStore(), positive, Math.max(0, zeros));
      if (!delta.isEmpty()) {
        d.sketches[i] = delta;
      }
    }
    return d;
  }

  /** Observations of zero (a thread whose events all waited 0 ns): DDSketch keeps them apart from its buckets. */
  private static double zeroCount(DDSketch s) {
    return s.getCount() - s.getPositiveValueStore().getTotalCount() - s.getNegativeValueStore().getTotalCount();
  }
}
