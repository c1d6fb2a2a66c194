package io.fleetacct.streams.topology;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A key of a table as its stores hold it: one part (a host, a cgroup, a program) or two (host and
 * cgroup, program and thread name) joined by NUL, which none of them contains. The one codec of
 * table keys: how they are joined and split, the prefix that selects every key with a given first
 * part, and how the keys with a prefix are read from a store.
 *
 * @param first the host, cgroup or program
 * @param second the cgroup of a host or the thread name of a program; null for one-part keys
 */
public record TableKey(String first, String second) {

  static final char SEPARATOR = '\u0000';

  /**
   * Above every key that starts with a prefix: U+10FFFF, the greatest code point, whose UTF-8
   * bytes sort after those of any other (a key with the prefix, then U+10FFFF, then more, would be
   * missed: it does not occur in host names, cgroup paths and command names).
   */
  private static final String TOP = new String(Character.toChars(Character.MAX_CODE_POINT));

  /** The stored form of a two-part key. */
  public static String join(String first, String second) {
    return first + SEPARATOR + second;
  }

  /** A stored key in its parts ({@code second} null for a one-part key). */
  public static TableKey parse(String stored) {
    int sep = stored.indexOf(SEPARATOR);
    return sep < 0 ? new TableKey(stored, null) : new TableKey(stored.substring(0, sep), stored.substring(sep + 1));
  }

  /** The stored form of this key. */
  public String stored() {
    return second == null ? first : join(first, second);
  }

  /** This two-part key with its parts swapped (the cgroup-first index of the host+cgroup table). */
  public TableKey swapped() {
    return new TableKey(second, first);
  }

  /** What every stored two-part key whose first part is {@code first} starts with. */
  public static String prefix(String first) {
    return first + SEPARATOR;
  }

  /**
   * The entries whose key starts with {@code prefix}, in key order ("" : every entry), read as a
   * range.
   *
   * <p>Not with {@code prefixScan}: in Kafka 4.4 RocksDBStore's {@code prefixScan} is not
   * synchronized with its {@code close()} (its {@code range} and {@code all} are), so a query that
   * scanned while its task was closed dirty (TaskCorruptedException under exactly-once) opened a
   * RocksDB iterator on a closed database and crashed the JVM (SIGSEGV in RocksDB.iterator, seen in
   * RangedTopTest). A closed store's {@code range} throws InvalidStateStoreException instead.
   */
  public static <V> KeyValueIterator<String, V> scan(ReadOnlyKeyValueStore<String, V> store, String prefix) {
    return prefix.isEmpty() ? store.all() : store.range(prefix, prefix + TOP);
  }
}
