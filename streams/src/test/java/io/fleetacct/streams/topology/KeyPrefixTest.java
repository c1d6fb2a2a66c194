package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyPrefixTest {

  @TempDir Path dir;

  private KeyValueStore<String, String> rocksDb() {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "key-prefix-test");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    KeyValueStore<String, String> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("s"),
        Serdes.String(), Serdes.String()).withLoggingDisabled().withCachingDisabled().build();
    store.init(new MockProcessorContext<>(config, new TaskId(0, 0), dir.toFile()).getStateStoreContext(), store);
    return store;
  }

  private static List<String> keys(KeyValueIterator<String, String> it) {
    List<String> keys = new ArrayList<>();
    try (it) {
      it.forEachRemaining(e -> keys.add(e.key));
    }
    return keys;
  }

  @Test
  void everyKeyWithThePrefixAndNoOtherInKeyOrder() {
    KeyValueStore<String, String> store = rocksDb();
    try {
      for (String k : List.of("a", "ab", "ab/", "ab\u00ff", "ab\uffff", "ab\uD83D\uDE00x", "abc", "ac", "b", "")) {
        store.put(k, "v");
      }
      assertThat(keys(KeyPrefix.scan(store, "ab")))
          .containsExactly("ab", "ab/", "abc", "ab\u00ff", "ab\uffff", "ab\uD83D\uDE00x");
      assertThat(keys(KeyPrefix.scan(store, "z"))).isEmpty();
      assertThat(keys(KeyPrefix.scan(store, ""))).hasSize(10);
    } finally {
      store.close();
    }
  }

  @Test
  void aClosedStoreRefusesTheScanInsteadOfTouchingRocksDb() {
    KeyValueStore<String, String> store = rocksDb();
    store.put("ab", "v");
    store.close();
    assertThatThrownBy(() -> KeyPrefix.scan(store, "a")).isInstanceOf(InvalidStateStoreException.class);
  }
}
