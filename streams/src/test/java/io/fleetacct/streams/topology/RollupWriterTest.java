package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class RollupWriterTest {

  private static final Duration WINDOW = Duration.ofMinutes(1);

  @Test
  void aTaskInitializedAgainWritesEachWindowOnceToEachRollup() {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "rollup-writer-test");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    MockProcessorContext<Void, Void> context = new MockProcessorContext<>(config);
    Map<Rollups.Index, KeyValueStore<String, Aggregate>> stores = new HashMap<>();
    for (Rollups.Index i : Rollups.Index.of(Tables.BY_HOST_CGROUP)) {
      KeyValueStore<String, Aggregate> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(i.store()),
          Serdes.String(), AggregateSerde.serde()).withLoggingDisabled().build();
      s.init(context.getStateStoreContext(), s);
      context.addStateStore(s);
      stores.put(i, s);
    }
    RollupWriter writer = new RollupWriter(Tables.BY_HOST_CGROUP, WINDOW, Duration.ofDays(1));
    writer.init(context);
    writer.init(context); // what Kafka Streams does to the processors of a task it revives after corruption

    long[] value = new long[Totals.SIZE];
    value[0] = 3;
    value[Totals.SIZE - 1] = 7;
    String key = TableKey.join("host-a", "/a");
    writer.process(new Record<>(new Windowed<>(key, new TimeWindow(0, WINDOW.toMillis())), Aggregate.of(value), 0));

    assertThat(stores).hasSize(2);
    stores.forEach((index, store) -> {
      Map<String, Aggregate> sums = new HashMap<>();
      Rollups.sum(store, Rollups.tile(Instant.EPOCH, Instant.EPOCH.plus(WINDOW), WINDOW), "", sums,
          Aggregate::mergeTotals);
      assertThat(sums).as("%s", index).containsOnlyKeys(index.key(key));
      assertThat(sums.get(index.key(key)).totals()).as("%s", index).containsExactly(value);
    });
  }
}
