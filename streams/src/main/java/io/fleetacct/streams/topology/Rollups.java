package io.fleetacct.streams.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Time-major sums for ranking keys over a time range. The windowed tables are key-major (one key's
 * windows are together), so "every key's sum over the last hour" would read every window of every
 * key in a segment. A rollup store keeps the same windows again under (level, bucket start, key):
 * all keys of one bucket are one contiguous range, and besides the windows themselves (level 0) it
 * keeps their sums over 10 windows (level 1) and 60 windows (level 2). A range is read as the
 * fewest buckets that tile it ({@link #tile}): whole hours inside, 10-minute and 1-minute buckets
 * at the edges, at most 18 + 10 + (hours) buckets per key instead of 60 per hour. The answer is
 * exact: every bucket is the exact sum of the windows it covers.
 *
 * <p>Key: one level digit and the bucket start in epoch ms as 16 hex digits (so the order of keys
 * is the order of times), joined as a {@link TableKey} with the index key ({@link Index}).
 */
public final class Rollups {

  /** How many windows a bucket of each level covers, finest first. */
  static final int[] FACTORS = {1, 10, 60};
  /** A bucket prefix: the level digit, 16 hex digits of the start, the separator. */
  private static final int PREFIX_LENGTH = 18;

  private Rollups() {}

  /**
   * What a rollup store is keyed by. Each table has one; the host+cgroup table has a second, cgroup
   * first, so that the hosts of one cgroup are a prefix, as the cgroups of one host are in the
   * first.
   */
  public enum Index {
    BY_HOST(Tables.BY_HOST, "rollups-by-host"),
    BY_CGROUP(Tables.BY_CGROUP, "rollups-by-cgroup"),
    BY_HOST_CGROUP(Tables.BY_HOST_CGROUP, "rollups-by-host-cgroup"),
    BY_CGROUP_HOST(Tables.BY_HOST_CGROUP, "rollups-by-cgroup-host"),
    BY_PROGRAM(Tables.BY_PROGRAM, "rollups-by-program"),
    BY_PROGRAM_THREAD(Tables.BY_PROGRAM_THREAD, "rollups-by-program-thread");

    private final Tables table;
    private final String store;

    Index(Tables table, String store) {
      this.table = table;
      this.store = store;
    }

    public Tables table() {
      return table;
    }

    public String store() {
      return store;
    }

    /** The index key of a table key: the same, or for {@link #BY_CGROUP_HOST} its two parts swapped. */
    public String key(String tableKey) {
      if (this != BY_CGROUP_HOST) {
        return tableKey;
      }
      return TableKey.parse(tableKey).swapped().stored();
    }

    /** The index keyed by the table's own keys: where one key's buckets are found. */
    public static Index keyedBy(Tables table) {
      return of(table).get(0);
    }

    static List<Index> of(Tables table) {
      List<Index> out = new ArrayList<>();
      for (Index i : values()) {
        if (i.table == table) {
          out.add(i);
        }
      }
      return out;
    }
  }

  /** One bucket of a level: the sums of the windows in [start, start + size). */
  public record Bucket(int level, long start) {
    /** The key prefix of every entry of this bucket. */
    public String prefix() {
      return Rollups.prefix(level, start);
    }
  }

  static String prefix(int level, long start) {
    char[] c = new char[PREFIX_LENGTH - 1];
    c[0] = (char) ('0' + level);
    for (int i = 0; i < 16; i++) {
      c[16 - i] = Character.forDigit((int) (start >>> (4 * i)) & 0xf, 16);
    }
    return TableKey.prefix(new String(c));
  }

  static String key(int level, long start, String indexKey) {
    return prefix(level, start) + indexKey;
  }

  static long bucketMillis(Duration window, int level) {
    return window.toMillis() * FACTORS[level];
  }

  static long bucketStart(long time, long millis) {
    return time - Math.floorMod(time, millis);
  }

  /**
   * The fewest buckets whose windows are exactly those starting in [from, to): largest first
   * wherever one fits, aligned to the epoch (hours are UTC hours).
   */
  public static List<Bucket> tile(Instant from, Instant to, Duration window) {
    long w = window.toMillis();
    long start = ceil(from.toEpochMilli(), w);
    long end = ceil(to.toEpochMilli(), w);
    List<Bucket> out = new ArrayList<>();
    long t = start;
    while (t < end) {
      int level = FACTORS.length - 1;
      while (level > 0 && (Math.floorMod(t, bucketMillis(window, level)) != 0
          || t + bucketMillis(window, level) > end)) {
        level--;
      }
      out.add(new Bucket(level, t));
      t += bucketMillis(window, level);
    }
    return out;
  }

  /**
   * Stores a window's new value at level 0 of an index's store and adds what changed since its
   * previous value (Aggregate.delta) to the coarser buckets that contain it.
   */
  public static void add(KeyValueStore<String, Aggregate> store, Duration window, String indexKey, long windowStart,
                         Aggregate value) {
    String windowKey = key(0, windowStart, indexKey);
    Aggregate delta = Aggregate.delta(value, store.get(windowKey));
    store.put(windowKey, value);
    for (int level = 1; level < FACTORS.length; level++) {
      String bucketKey = key(level, bucketStart(windowStart, bucketMillis(window, level)), indexKey);
      Aggregate bucket = store.get(bucketKey);
      store.put(bucketKey, bucket == null ? delta.copy() : Aggregate.mergeIntoBucket(bucket, delta));
    }
  }

  /**
   * Adds into {@code sums} the entries of each bucket whose index key starts with {@code prefix},
   * by what follows the prefix, with {@code merge} ({@link Aggregate#mergeTotals} where the
   * sketches are not read, else {@link Aggregate#mergeToRead}).
   */
  public static void sum(ReadOnlyKeyValueStore<String, Aggregate> store, List<Bucket> buckets, String prefix,
                         Map<String, Aggregate> sums, BinaryOperator<Aggregate> merge) {
    int skip = PREFIX_LENGTH + prefix.length();
    for (Bucket b : buckets) {
      try (KeyValueIterator<String, Aggregate> it = TableKey.scan(store, b.prefix() + prefix)) {
        it.forEachRemaining(e -> sums.merge(e.key.substring(skip), e.value, merge));
      }
    }
  }

  /** One index key's sum over these buckets (empty if it has none). */
  public static Aggregate sum(ReadOnlyKeyValueStore<String, Aggregate> store, List<Bucket> buckets, String indexKey) {
    Aggregate sum = Aggregate.empty();
    for (Bucket b : buckets) {
      Aggregate a = store.get(b.prefix() + indexKey);
      if (a != null) {
        sum = Aggregate.mergeToRead(sum, a);
      }
    }
    return sum;
  }

  private static long ceil(long time, long step) {
    long r = Math.floorMod(time, step);
    return r == 0 ? time : time - r + step;
  }
}
