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
 * The delay distributions of one key (and window): for each {@link Measure}, a DDSketch of one
 * observation per exit (the thread's record, its whole life), answering quantiles within
 * {@value #RELATIVE_ACCURACY} relative error and merging exactly (bucket counts add). Samples of
 * live threads are not observations: a distribution here is over exits.
 */
public final class DelaySketches {

  /** Every answer's relative error bound: a reported quantile is within 1% of the exact one. */
  public static final double RELATIVE_ACCURACY = 0.01;

  private static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);
  private static final byte FORMAT = 1;
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
  public record Measure(int id, String name, int count, int total, int max) {

    private static final List<Measure> ALL = build();

    /** All measures: every kind's {@code _avg} then every kind's {@code _max}. */
    public static List<Measure> all() {
      return ALL;
    }

    private static List<Measure> build() {
      Schema s = TaskStats.getClassSchema();
      Measure[] m = new Measure[2 * KINDS.size()];
      for (int i = 0; i < KINDS.size(); i++) {
        String k = KINDS.get(i);
        int count = s.getField(k + "_count").pos();
        int total = s.getField(k + "_delay_total").pos();
        int max = s.getField(k + "_delay_max").pos();
        m[i] = new Measure(i, k + "_delay_avg", count, total, -1);
        m[KINDS.size() + i] = new Measure(KINDS.size() + i, k + "_delay_max", count, -1, max);
      }
      return List.of(m);
    }

    /** The measure of this name, or null. */
    public static Measure named(String name) {
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

  private final DDSketch[] sketches = new DDSketch[Measure.all().size()];

  /** No observations. */
  public DelaySketches() {}

  /** One exit's observations. */
  public static DelaySketches of(TaskStats task) {
    DelaySketches d = new DelaySketches();
    for (Measure m : Measure.all()) {
      double v = m.observe(task);
      if (v >= 0) {
        d.sketch(m).accept(v);
      }
    }
    return d;
  }

  private DDSketch sketch(Measure m) {
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
  public long count(Measure m) {
    DDSketch s = sketches[m.id()];
    return s == null ? 0 : Math.round(s.getCount());
  }

  /** The {@code q}-quantile of {@code m} in ns (the lower quantile, within the relative error), NaN if none. */
  public double quantile(Measure m, double q) {
    DDSketch s = sketches[m.id()];
    return s == null || s.isEmpty() ? Double.NaN : s.getValueAtQuantile(q);
  }

  /**
   * Exits whose observation of {@code m} exceeds {@code thresholdNanos}: exact except for
   * observations within the relative error of the threshold, which count by their bucket.
   */
  public long countAbove(Measure m, double thresholdNanos) {
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
  public byte[] sketchBytes(Measure m) {
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
   * The stored form: a format byte, then per non-empty measure its id, its encoding's length (2
   * bytes) and DDSketch's encoding without the mapping (always {@link #MAPPING}).
   */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.write(FORMAT);
    GrowingByteArrayOutput one = GrowingByteArrayOutput.withInitialCapacity(64);
    for (int i = 0; i < sketches.length; i++) {
      if (sketches[i] != null && !sketches[i].isEmpty()) {
        one.clear();
        encode(sketches[i], one, true);
        out.write(i);
        out.write(one.numWrittenBytes() >>> 8);
        out.write(one.numWrittenBytes());
        out.write(one.backingArray(), 0, one.numWrittenBytes());
      }
    }
    return out.toByteArray();
  }

  /** Reads {@link #encode}'s form, from {@code offset} to the end of {@code bytes}. */
  public static DelaySketches decode(byte[] bytes, int offset) {
    DelaySketches d = new DelaySketches();
    if (bytes.length == offset) {
      return d;
    }
    if (bytes[offset] != FORMAT) {
      throw new SerializationException("not fleetacct delay sketches (format " + bytes[offset] + ")");
    }
    int at = offset + 1;
    try {
      while (at < bytes.length) {
        int id = bytes[at] & 0xff;
        int length = (bytes[at + 1] & 0xff) << 8 | bytes[at + 2] & 0xff;
        at += 3;
        if (id >= d.sketches.length || at + length > bytes.length) {
          throw new SerializationException("malformed delay sketches: measure " + id + ", " + length + " bytes at "
              + at + " of " + bytes.length);
        }
        DDSketch s = new DDSketch(MAPPING, UnboundedSizeDenseStore::new);
        s.decodeAndMergeWith(ByteArrayInput.wrap(bytes, at, length));
        d.sketches[id] = s;
        at += length;
      }
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      throw new SerializationException("malformed delay sketches", e);
    }
    return d;
  }
}
