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

class TableKeyTest {

  @TempDir Path dir;

  private KeyValueStore<String, String> rocksDb() {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "table-key-test");
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
      assertThat(keys(TableKey.scan(store, "ab")))
          .containsExactly("ab", "ab/", "abc", "ab\u00ff", "ab\uffff", "ab\uD83D\uDE00x");
      assertThat(keys(TableKey.scan(store, "z"))).isEmpty();
      assertThat(keys(TableKey.scan(store, ""))).hasSize(10);
    } finally {
      store.close();
    }
  }

  @Test
  void twoPartKeysSplitAtTheFirstSeparatorAndOnePartKeysStayWhole() {
    String stored = TableKey.join("web-1", "/kubepods/pod-a/c1");
    assertThat(TableKey.parse(stored)).isEqualTo(new TableKey("web-1", "/kubepods/pod-a/c1"));
    assertThat(TableKey.parse(stored).stored()).isEqualTo(stored);
    assertThat(TableKey.parse(stored).swapped().stored()).isEqualTo(TableKey.join("/kubepods/pod-a/c1", "web-1"));
    assertThat(TableKey.parse("/system.slice/cron.service")).isEqualTo(new TableKey("/system.slice/cron.service", null));
    assertThat(TableKey.parse("/system.slice/cron.service").stored()).isEqualTo("/system.slice/cron.service");
    assertThat(TableKey.parse(TableKey.join("java", "")).second()).as("an empty thread name").isEmpty();
  }

  @Test
  void aPrefixSelectsTheKeysOfOneFirstPartAndNotOfALongerOne() {
    KeyValueStore<String, String> store = rocksDb();
    try {
      for (String k : List.of(TableKey.join("a", "/x"), TableKey.join("a", "/y"), TableKey.join("ab", "/x"), "a",
          TableKey.join("a\u0001", "/z"))) {
        store.put(k, "v");
      }
      assertThat(keys(TableKey.scan(store, TableKey.prefix("a"))))
          .containsExactly(TableKey.join("a", "/x"), TableKey.join("a", "/y"));
    } finally {
      store.close();
    }
  }

  @Test
  void aClosedStoreRefusesTheScanInsteadOfTouchingRocksDb() {
    KeyValueStore<String, String> store = rocksDb();
    store.put("ab", "v");
    store.close();
    assertThatThrownBy(() -> TableKey.scan(store, "a")).isInstanceOf(InvalidStateStoreException.class);
  }
}
