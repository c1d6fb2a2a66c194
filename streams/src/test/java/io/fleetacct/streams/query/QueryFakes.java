package io.fleetacct.streams.query;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/** Fakes of what the query side reads from Kafka Streams, over a test driver's stores. */
final class QueryFakes {

  private QueryFakes() {}

  /**
   * One instance's store partitions: partition {@code partition} of every store, from {@code driver};
   * active here while {@link #active} is set, else only a stale (standby) read finds it.
   */
  static final class Stores implements LocalStores.StoreSource {
    private final TopologyTestDriver driver;
    private final int partition;
    boolean active = true;
    final AtomicInteger reads = new AtomicInteger();
    final List<String> asked = new ArrayList<>();

    Stores(TopologyTestDriver driver) {
      this(driver, 0);
    }

    Stores(TopologyTestDriver driver, int partition) {
      this.driver = driver;
      this.partition = partition;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T store(StoreQueryParameters<T> p) {
      asked.add(p.storeName() + ":" + p.partition() + (p.staleStoresEnabled() ? " (stale)" : ""));
      if (p.partition() == null || p.partition() != partition || !(active || p.staleStoresEnabled())) {
        throw new InvalidStateStoreException("partition " + p.partition() + " of " + p.storeName() + " is not here");
      }
      reads.incrementAndGet();
      Object store;
      try {
        store = driver.getKeyValueStore(p.storeName());
      } catch (IllegalArgumentException notKeyValue) {
        store = null;
      }
      return (T) (store != null ? store : driver.getWindowStore(p.storeName()));
    }
  }
}
