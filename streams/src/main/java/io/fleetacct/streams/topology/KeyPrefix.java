package io.fleetacct.streams.topology;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The keys of a store that start with a prefix, read as a range.
 *
 * <p>Not with {@code prefixScan}: in Kafka 4.4 RocksDBStore's {@code prefixScan} is not
 * synchronized with its {@code close()} (its {@code range} and {@code all} are), so a query that
 * scanned while its task was closed dirty (TaskCorruptedException under exactly-once) opened a
 * RocksDB iterator on a closed database and crashed the JVM (SIGSEGV in RocksDB.iterator, seen in
 * RangedTopTest). A closed store's {@code range} throws InvalidStateStoreException instead.
 */
public final class KeyPrefix {

  /**
   * Above every key that starts with the prefix: U+10FFFF, the greatest code point, whose UTF-8
   * bytes sort after those of any other (a key with the prefix, then U+10FFFF, then more, would be
   * missed: it does not occur in host names, cgroup paths and command names).
   */
  private static final String TOP = new String(Character.toChars(Character.MAX_CODE_POINT));

  private KeyPrefix() {}

  /** The entries whose key starts with {@code prefix}, in key order ("" : every entry). */
  public static <V> KeyValueIterator<String, V> scan(ReadOnlyKeyValueStore<String, V> store, String prefix) {
    return prefix.isEmpty() ? store.all() : store.range(prefix, prefix + TOP);
  }
}
