package io.fleetacct.streams.topology;

import io.fleetacct.common.cli.TopicOptions;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.TotalsKey;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * exits → (decode, dead-letter poison, drop replayed agent_seq, count gaps) → one contribution
 * per exit → summed per table, key and window for {@link #COMBINE_INTERVAL} ({@link Combiner}) →
 * repartitioned by table key → all-time and windowed totals by host, cgroup, host+cgroup,
 * program and program+thread → RocksDB stores for queries and Avro topics for Kafka Connect sinks; each window change
 * → the table's rollup stores for ranged rankings ({@link Rollups}). Agent heartbeats → the
 * agent-status table.
 */
public final class FleetacctTopology {

  public static final String INSTANCE_PROGRESS_STORE = "instance-progress";
  public static final String AGENT_STATUS_STORE = "agent-status";
  static final String COMBINER_STORE = "combiner";
  /** How long exits are summed before the sums go on; well below the commit interval. */
  static final Duration COMBINE_INTERVAL = Duration.ofMillis(100);

  /**
   * Topic names, window settings and name folding; {@link #defaults()} has the documented ones.
   * Windows take records for the whole retention ({@link WindowAdmission}).
   */
  public record Config(String exitsTopic, String statusTopic, String deadLetterTopic, String outputPrefix,
                       Duration windowSize, Duration retention, Folding folding) {
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "fleetacct.exits.dlq";
    public static final String DEFAULT_OUTPUT_PREFIX = "fleetacct.";

    public static Config defaults() {
      return new Config(TopicOptions.EXITS, TopicOptions.STATUS, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_OUTPUT_PREFIX,
          Duration.ofMinutes(1), Duration.ofDays(7), Folding.defaults());
    }

    /** With the default name folding. */
    public Config(String exitsTopic, String statusTopic, String deadLetterTopic, String outputPrefix,
                  Duration windowSize, Duration retention) {
      this(exitsTopic, statusTopic, deadLetterTopic, outputPrefix, windowSize, retention, Folding.defaults());
    }

    /** Output topic of a table's all-time totals, e.g. fleetacct.totals.by-host. */
    public String totalsTopic(Tables t) {
      return outputPrefix + "totals." + t.id();
    }

    /** Output topic of a table's windows, e.g. fleetacct.windows.by-cgroup. */
    public String windowsTopic(Tables t) {
      return outputPrefix + "windows." + t.id();
    }
  }

  private FleetacctTopology() {}

  public static Topology build(Config config) {
    StreamsBuilder builder = new StreamsBuilder();
    AvroSerde<DelayTotals> totals = FleetacctSerdes.delayTotals();
    AvroSerde<TotalsKey> keys = FleetacctSerdes.totalsKey();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INSTANCE_PROGRESS_STORE),
        Serdes.String(), FleetacctSerdes.instanceProgress()).withCachingEnabled());

    KStream<String, SequenceGuard.Checked> checked = builder
        .stream(config.exitsTopic(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("exits"))
        .process(() -> new SequenceGuard(INSTANCE_PROGRESS_STORE, new WindowAdmission(config.retention())),
            Named.as("sequence-guard"),
            INSTANCE_PROGRESS_STORE);
    checked.filter((k, v) -> v.poison() != null, Named.as("poison"))
        .mapValues(SequenceGuard.Checked::poison, Named.as("poison-bytes"))
        .to(config.deadLetterTopic(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("dead-letters"));
    KStream<String, SequenceGuard.Checked> records = checked.filter((k, v) -> v.record() != null, Named.as("decoded"));

    Serde<Aggregate> working = AggregateSerde.serde();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COMBINER_STORE), Serdes.String(),
        working).withCachingEnabled());
    Folding folding = config.folding();
    KStream<String, Combiner.Sum> sums = records.mapValues(
            r -> Contribution.of(r.record(), folding, r.windowed()), Named.as("contribution"))
        .process(() -> new Combiner(COMBINER_STORE, config.windowSize(), COMBINE_INTERVAL), Named.as("combiner"),
            COMBINER_STORE);
    for (Tables table : Tables.values()) {
      KStream<String, Aggregate> keyed = sums.filter((k, s) -> s.table() == table, Named.as("sums-" + table.id()))
          .mapValues(Combiner.Sum::values, Named.as("values-" + table.id()));
      // One repartition topic for both aggregations (named as when it was groupByKey's).
      KStream<String, Aggregate> repartitioned = keyed.repartition(
          Repartitioned.<String, Aggregate>as("group-" + table.id()).withKeySerde(Serdes.String()).withValueSerde(working));
      repartitioned.groupByKey(Grouped.with(Serdes.String(), working)).aggregate(Aggregate::empty, (k, c, agg) -> Aggregate.merge(agg, c),
              Named.as("aggregate-" + table.totalsStore()),
              Materialized.<String, Aggregate, KeyValueStore<Bytes, byte[]>>as(table.totalsStore())
                  .withKeySerde(Serdes.String()).withValueSerde(working))
          .toStream(Named.as("changes-" + table.totalsStore()))
          .map((k, v) -> KeyValue.pair(totalsKey(table, k, null), v.toRecord()),
              Named.as("keyed-" + table.totalsStore()))
          .to(config.totalsTopic(table), Produced.with(keys, totals).withName("out-" + table.totalsStore()));
      Duration grace = WindowAdmission.grace(config.retention());
      KStream<Windowed<String>, Aggregate> windowChanges = repartitioned
          .processValues(EmptiedOutsideWindows::new, Named.as("windowed-" + table.id()))
          .groupByKey(Grouped.with(Serdes.String(), working))
          .windowedBy(TimeWindows.ofSizeAndGrace(config.windowSize(), grace))
          .aggregate(Aggregate::empty, (k, c, agg) -> Aggregate.merge(agg, c),
              Named.as("aggregate-" + table.windowsStore()),
              Materialized.<String, Aggregate, WindowStore<Bytes, byte[]>>as(table.windowsStore())
                  .withKeySerde(Serdes.String()).withValueSerde(working)
                  .withRetention(config.windowSize().plus(grace)))
          .toStream(Named.as("changes-" + table.windowsStore()))
          .filter((w, v) -> !v.isEmpty(), Named.as("counted-" + table.windowsStore()));
      List<String> rollups = new ArrayList<>();
      for (Rollups.Index index : Rollups.Index.of(table)) {
        // Written once per window change, read by range scans: no cache to merge on every read.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(index.store()),
            Serdes.String(), working).withCachingDisabled());
        rollups.add(index.store());
      }
      windowChanges.process(() -> new RollupWriter(table, config.windowSize(),
              WindowAdmission.rollupRetention(config.retention())),
          Named.as("rollups-" + table.id()), rollups.toArray(new String[0]));
      windowChanges.map((w, v) -> KeyValue.pair(totalsKey(table, w.key(), w), v.toRecord()),
              Named.as("keyed-" + table.windowsStore()))
          .to(config.windowsTopic(table), Produced.with(keys, totals).withName("out-" + table.windowsStore()));
    }

    builder.table(config.statusTopic(), Consumed.with(Serdes.String(), FleetacctSerdes.agentStatus())
            .withName("agent-statuses"),
        Materialized.<String, io.fleetacct.schema.AgentStatus, KeyValueStore<Bytes, byte[]>>as(AGENT_STATUS_STORE)
            .withKeySerde(Serdes.String()).withValueSerde(FleetacctSerdes.agentStatus()));
    return builder.build();
  }

  /**
   * Empties the sums the windows do not take (those the combiner marked
   * {@link Combiner#OUTSIDE_WINDOWS}) instead of dropping them: every key of a task's tables then
   * also has a window, so its window store has a segment to keep its changelog offset in
   * ({@link io.fleetacct.streams.EmptyTasks}'s premise). Empty windows are never read or published.
   */
  private static final class EmptiedOutsideWindows implements FixedKeyProcessor<String, Aggregate, Aggregate> {
    private FixedKeyProcessorContext<String, Aggregate> context;

    @Override
    public void init(FixedKeyProcessorContext<String, Aggregate> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, Aggregate> sum) {
      context.forward(sum.headers().lastHeader(Combiner.OUTSIDE_WINDOWS) == null ? sum : sum.withValue(Aggregate.empty()));
    }
  }

  /** The Avro key of an output record: the table's key split into its fields, and the window. */
  static TotalsKey totalsKey(Tables table, String key, Windowed<String> window) {
    TotalsKey k = new TotalsKey();
    switch (table) {
      case BY_HOST -> k.setHost(key);
      case BY_CGROUP -> k.setCgroup(key);
      case BY_PROGRAM -> k.setCommand(key);
      case BY_HOST_CGROUP -> {
        TableKey parts = TableKey.parse(key);
        k.setHost(parts.first());
        k.setCgroup(parts.second());
      }
      case BY_PROGRAM_THREAD -> {
        TableKey parts = TableKey.parse(key);
        k.setCommand(parts.first());
        k.setThread(parts.second());
      }
    }
    if (window != null) {
      k.setWindowStart(Instant.ofEpochMilli(window.window().start()));
      k.setWindowEnd(Instant.ofEpochMilli(window.window().end()));
    }
    return k;
  }
}
