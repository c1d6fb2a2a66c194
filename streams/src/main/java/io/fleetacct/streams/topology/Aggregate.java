package io.fleetacct.streams.topology;

import io.fleetacct.schema.DelayTotals;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The working form of an aggregate: its {@link Totals} and the {@link DelaySketches} of its exits
 * in stored form. Stores, changelogs and repartition topics hold it ({@link AggregateSerde}).
 *
 * <p>Sketches merge by concatenating their stored forms, without decoding: the tables update an
 * aggregate on every sum they receive, and decoding and encoding a sketch costs about a hundred
 * times as much as copying its bytes. When what was appended since the last compaction outgrows
 * the compacted part, the whole is decoded and encoded once, so a value stays within about twice
 * its compact size and each appended byte is recoded a bounded number of times.
 */
public final class Aggregate {

  private static final byte[] NO_SKETCHES = new byte[0];
  /** Appended sketch bytes are not compacted below this: a few exits' forms are as small as a compacted one. */
  private static final int MIN_UNCOMPACTED = 512;

  private final long[] totals;
  private final byte[] sketches;
  private final int compacted;

  /**
   * @param sketches a stored form of {@link DelaySketches} (not copied: an aggregate's arrays are
   *     never changed after it is made, except by {@link #merge} on its totals)
   * @param compacted how many of its first bytes are one compact encoding
   */
  Aggregate(long[] totals, byte[] sketches, int compacted) {
    this.totals = totals;
    this.sketches = sketches;
    this.compacted = compacted;
  }

  /** Counts nothing: the aggregations' initial value. */
  public static Aggregate empty() {
    return new Aggregate(Totals.empty(), NO_SKETCHES, 0);
  }

  /** Totals without observations: a sample's (a live thread is observed when it exits). */
  public static Aggregate of(long[] totals) {
    return new Aggregate(totals, NO_SKETCHES, 0);
  }

  /** An exit's totals and the stored form of its observations. */
  public static Aggregate of(long[] totals, byte[] sketches) {
    return new Aggregate(totals, sketches, 0);
  }

  public long[] totals() {
    return totals;
  }

  /** The sketches in stored form (do not change the array). */
  public byte[] sketchBytes() {
    return sketches;
  }

  int compacted() {
    return compacted;
  }

  public DelaySketches sketches() {
    return DelaySketches.decode(sketches);
  }

  /** Whether this counts nothing: no exit and no sample ({@link Totals#isEmpty}). */
  public boolean isEmpty() {
    return Totals.isEmpty(totals);
  }

  /** The observations whose quantiles and sketches the output records carry as fields of their own. */
  private static final List<DelaySketches.Observation> IN_RECORDS = List.of(
      DelaySketches.Observation.named("cpu_delay_avg"), DelaySketches.Observation.named("blkio_delay_avg"));
  private static final int[] PERCENTS = {50, 90, 99};

  /**
   * The output topics' record: the totals, and for CPU and block-IO wait per event the p50, p90 and
   * p99 as plain fields (columns for a JDBC sink, no sketch to decode) and the sketch itself.
   */
  public DelayTotals toRecord() {
    DelayTotals d = Totals.toRecord(totals);
    if (sketches.length == 0) {
      return d;
    }
    DelaySketches s = sketches();
    for (DelaySketches.Observation o : IN_RECORDS) {
      if (s.count(o) == 0) {
        continue;
      }
      for (int p : PERCENTS) {
        d.put(o.name() + "_p" + p, Math.round(s.quantile(o, p / 100.0)));
      }
      d.put(o.name() + "_sketch", ByteBuffer.wrap(s.sketchBytes(o)));
    }
    return d;
  }

  /** A copy whose totals a merge may change. */
  public Aggregate copy() {
    return new Aggregate(totals.clone(), sketches, compacted);
  }

  /**
   * Adds {@code c} into {@code into}: {@code into}'s totals change in place (do not use {@code
   * into} afterwards); the returned aggregate holds the sum.
   */
  public static Aggregate merge(Aggregate into, Aggregate c) {
    return merge(into, c, MIN_UNCOMPACTED);
  }

  /**
   * {@link #merge} for a rollup bucket: compacted as soon as what was appended outgrows the
   * compacted part, without the floor, because every ranged query decodes the bucket and a handful
   * of small appended sections costs it more than one compact one.
   */
  static Aggregate mergeIntoBucket(Aggregate into, Aggregate c) {
    return merge(into, c, 0);
  }

  private static Aggregate merge(Aggregate into, Aggregate c, int minUncompacted) {
    if (c.isEmpty()) {
      return into;
    }
    long[] t = Totals.merge(into.totals, c.totals);
    if (c.sketches.length == 0) {
      return new Aggregate(t, into.sketches, into.compacted);
    }
    byte[] joined = concat(into.sketches, c.sketches);
    if (joined.length - into.compacted > Math.max(minUncompacted, into.compacted)) {
      byte[] compact = DelaySketches.decode(joined).encode();
      return new Aggregate(t, compact, compact.length);
    }
    return new Aggregate(t, joined, into.compacted);
  }

  /**
   * {@link #merge} for a sum that is read once and thrown away (a query's): never compacted, since
   * the reader decodes it once anyway and a compaction on the way would decode it again.
   */
  public static Aggregate mergeToRead(Aggregate into, Aggregate c) {
    if (c.isEmpty()) {
      return into;
    }
    return new Aggregate(Totals.merge(into.totals, c.totals), concat(into.sketches, c.sketches), 0);
  }

  /** {@link #merge} of the totals only (a ranking by a total or an average reads no sketch); the sum has none. */
  public static Aggregate mergeTotals(Aggregate into, Aggregate c) {
    return Aggregate.of(Totals.merge(into.totals, c.totals));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    if (b.length == 0) {
      return a;
    }
    byte[] joined = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }

  /**
   * What {@code newer} adds to {@code older}, an earlier state of the same aggregate (null: none),
   * as {@link Totals#delta} for the totals. For the sketches: the bytes appended since, when
   * {@code newer}'s form extends {@code older}'s (stored forms are length-prefixed sections, so a
   * matching prefix is whole sections); after a compaction, the difference of the bucket counts.
   */
  public static Aggregate delta(Aggregate newer, Aggregate older) {
    if (older == null) {
      return newer.copy();
    }
    long[] t = Totals.delta(newer.totals, older.totals);
    byte[] n = newer.sketches;
    byte[] o = older.sketches;
    if (n.length >= o.length && Arrays.equals(n, 0, o.length, o, 0, o.length)) {
      return new Aggregate(t, Arrays.copyOfRange(n, o.length, n.length), 0);
    }
    return new Aggregate(t, newer.sketches().minus(older.sketches()).encode(), 0);
  }
}
