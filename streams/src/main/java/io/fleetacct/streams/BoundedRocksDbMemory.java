package io.fleetacct.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Caps the native memory of all RocksDB stores of this JVM together: one block cache, which also
 * holds index and filter blocks and is charged for the memtables (Kafka Streams' "bounded memory"
 * configuration). Without it every store instance (and every segment of a windowed store) has a
 * block cache and memtables of its own, and the total grows with partitions and retention.
 *
 * <p>The cap is {@value #MEMORY_BYTES} (streams configuration, e.g. {@code -X
 * fleetacct.rocksdb.memory.bytes=268435456}), default {@value #DEFAULT_MEMORY_BYTES} bytes, half
 * of it for memtables (less makes memtables flush small and often, and latency suffers); the first store to open fixes it for the process.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

  public static final String MEMORY_BYTES = "fleetacct.rocksdb.memory.bytes";
  public static final long DEFAULT_MEMORY_BYTES = 512L * 1024 * 1024;
  private static final double INDEX_FILTER_SHARE = 0.1;

  private static Cache cache;
  private static WriteBufferManager writeBuffers;

  /**
   * The cap that {@code configured} (the value of {@value #MEMORY_BYTES}, or null) asks for; an
   * IllegalArgumentException that says why it is refused. StreamsApp checks it before starting, so
   * a bad value never reaches a stream thread.
   */
  public static long bytes(Object configured) {
    if (configured == null) {
      return DEFAULT_MEMORY_BYTES;
    }
    long bytes;
    try {
      bytes = Long.parseLong(configured.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(MEMORY_BYTES + " wants a number of bytes, not '" + configured + "'");
    }
    if (bytes < 16L * 1024 * 1024) {
      throw new IllegalArgumentException(MEMORY_BYTES + " must be at least 16 MiB (16777216), not " + bytes);
    }
    return bytes;
  }

  private static synchronized void init(Map<String, Object> configs) {
    if (cache != null) {
      return;
    }
    long bytes = bytes(configs.get(MEMORY_BYTES));
    cache = new LRUCache(bytes, -1, false, INDEX_FILTER_SHARE);
    writeBuffers = new WriteBufferManager(bytes / 2, cache);
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    init(configs);
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(writeBuffers);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and the write buffer manager are shared by every store of the process: kept open.
  }
}
