package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.testing.SampleRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The combiner on its own: what it sums together, what it keeps apart, and what each sum carries. */
class CombinerTest {

  private static final Duration WINDOW = Duration.ofMinutes(1);
  private static final long T0 = 1_764_000_000_000L - 1_764_000_000_000L % 60_000; // a window start
  private static final int EXITS = Totals.position("exits");
  private static final int CPU_DELAY_TOTAL = Totals.position("cpu_delay_total");
  private static final DelaySketches.Observation CPU_AVG = DelaySketches.Observation.named("cpu_delay_avg");

  private MockProcessorContext<String, Combiner.Sum> context;
  private KeyValueStore<String, Aggregate> pending;
  private Combiner combiner;

  @BeforeEach
  void setUp() {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "combiner-test");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    context = new MockProcessorContext<>(config);
    pending = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("pending"), Serdes.String(), AggregateSerde.serde())
        .withLoggingDisabled().build();
    pending.init(context.getStateStoreContext(), pending);
    context.addStateStore(pending);
    combiner = new Combiner("pending", WINDOW, Duration.ofMillis(100));
    combiner.init(context);
  }

  private static Contribution exit(String host, String cgroup, String command, String thread, long cpuDelay,
                                   boolean windowed) {
    long[] v = new long[Totals.SIZE];
    v[EXITS] = 1;
    v[CPU_DELAY_TOTAL] = cpuDelay;
    TaskStats task = SampleRecords.fullTaskStats();
    task.setCpuCount(1L);
    task.setCpuDelayTotal(cpuDelay);
    Aggregate a = Aggregate.of(v, DelaySketches.encodeOf(task));
    return new Contribution(host, cgroup, command, a, List.of(new Contribution.Thread(thread, a)), windowed);
  }

  /** Runs the punctuation at {@code now} and returns what it sent, by table. */
  private Map<Tables, List<Record<String, Combiner.Sum>>> send(long now) {
    context.resetForwards();
    assertThat(context.scheduledPunctuators()).hasSize(1);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(now);
    Map<Tables, List<Record<String, Combiner.Sum>>> out = new HashMap<>();
    for (CapturedForward<? extends String, ? extends Combiner.Sum> f : context.forwarded()) {
      @SuppressWarnings("unchecked")
      Record<String, Combiner.Sum> r = (Record<String, Combiner.Sum>) f.record();
      out.computeIfAbsent(r.value().table(), t -> new ArrayList<>()).add(r);
    }
    return out;
  }

  @Test
  void exitsOfOneKeyAndWindowBecomeOneSumStampedWithTheWindowStart() {
    combiner.process(new Record<>("x", exit("h1", "/a", "java", "GC Thread#0", 10, true), T0 + 1_000));
    combiner.process(new Record<>("x", exit("h1", "/a", "java", "main", 5, true), T0 + 59_999));
    combiner.process(new Record<>("x", exit("h1", "/a", "java", "main", 7, true), T0 + 60_000));

    Map<Tables, List<Record<String, Combiner.Sum>>> sent = send(T0 + 120_000);
    List<Record<String, Combiner.Sum>> byHostCgroup = sent.get(Tables.BY_HOST_CGROUP);
    assertThat(byHostCgroup).hasSize(2);
    for (Record<String, Combiner.Sum> r : byHostCgroup) {
      assertThat(r.key()).isEqualTo(TableKey.join("h1", "/a"));
      assertThat(r.headers().lastHeader(Combiner.OUTSIDE_WINDOWS)).isNull();
      long[] v = r.value().values().totals();
      DelaySketches d = r.value().values().sketches();
      if (r.timestamp() == T0) {
        assertThat(v[EXITS]).isEqualTo(2);
        assertThat(v[CPU_DELAY_TOTAL]).isEqualTo(15);
        assertThat(d.count(CPU_AVG)).as("both exits observed").isEqualTo(2);
        assertThat(d.quantile(CPU_AVG, 1.0)).isCloseTo(10, within(0.1));
        assertThat(d.quantile(CPU_AVG, 0.5)).isCloseTo(5, within(0.05));
      } else {
        assertThat(r.timestamp()).isEqualTo(T0 + 60_000);
        assertThat(v[EXITS]).isEqualTo(1);
        assertThat(v[CPU_DELAY_TOTAL]).isEqualTo(7);
        assertThat(d.count(CPU_AVG)).isEqualTo(1);
      }
    }
    List<String> threadKeys = sent.get(Tables.BY_PROGRAM_THREAD).stream().filter(r -> r.timestamp() == T0)
        .map(Record::key).sorted().toList();
    assertThat(threadKeys).as("a two-part key comes back whole").containsExactly(
        TableKey.join("java", "GC Thread#0"), TableKey.join("java", "main"));
    assertThat(sent.keySet()).containsExactlyInAnyOrder(Tables.values());

    try (KeyValueIterator<String, Aggregate> left = pending.all()) {
      assertThat(left.hasNext()).as("nothing pending once sent").isFalse();
    }
    assertThat(send(T0 + 120_100)).as("nothing sent twice").isEmpty();
  }

  @Test
  void sumsTheWindowsDoNotTakeGoApartMarkedAndStampedWithTheSendingTime() {
    combiner.process(new Record<>("x", exit("h1", "/a", "sh", "sh", 3, false), T0 - 30 * 86_400_000L));
    combiner.process(new Record<>("x", exit("h1", "/a", "sh", "sh", 4, false), T0 + 86_400_000L));
    combiner.process(new Record<>("x", exit("h1", "/a", "sh", "sh", 5, true), T0));

    List<Record<String, Combiner.Sum>> byHost = send(T0 + 500).get(Tables.BY_HOST);
    assertThat(byHost).hasSize(2);
    Record<String, Combiner.Sum> outside = byHost.stream()
        .filter(r -> r.headers().lastHeader(Combiner.OUTSIDE_WINDOWS) != null).findFirst().orElseThrow();
    assertThat(outside.timestamp()).as("not its far-off time: that would move stream time").isEqualTo(T0 + 500);
    assertThat(outside.value().values().totals()[EXITS]).as("too old and too far ahead: one sum").isEqualTo(2);
    assertThat(outside.value().values().totals()[CPU_DELAY_TOTAL]).isEqualTo(7);
    assertThat(outside.value().values().sketches().count(CPU_AVG)).isEqualTo(2);
    Record<String, Combiner.Sum> inside = byHost.stream().filter(r -> r != outside).findFirst().orElseThrow();
    assertThat(inside.timestamp()).isEqualTo(T0);
    assertThat(inside.value().values().totals()[EXITS]).isEqualTo(1);
  }

  @Test
  void aPendingKeyReadsBackAsItWasWritten() {
    Combiner.PendingKey k = new Combiner.PendingKey(Tables.BY_HOST_CGROUP, -60_000, TableKey.join("h", "/a b"));
    assertThat(Combiner.PendingKey.parse(k.stored())).isEqualTo(k);
    Combiner.PendingKey none = new Combiner.PendingKey(Tables.BY_PROGRAM, Long.MIN_VALUE, "");
    assertThat(Combiner.PendingKey.parse(none.stored())).isEqualTo(none);
  }
}
