package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.ThreadNameDeltas;
import io.fleetacct.schema.TotalsKey;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every counting rule of docs/counting-rules.md, through the real topology on TopologyTestDriver. */
class CountingRulesTest {

  @TempDir Path stateDir;

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  /** The application's clock at the start: records at T0 and shortly after are recent. */
  private static final Instant NOW = T0.plus(Duration.ofHours(1));
  private TopologyFixture fixture;
  private FleetacctTopology.Config config;
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> exits;

  @BeforeEach
  void start() {
    fixture = new TopologyFixture(stateDir, NOW);
    config = fixture.config();
    driver = fixture.driver();
    exits = fixture.exits();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private static TaskExit exit(String host, String cgroup, String comm, long pid, long tgid, boolean last,
                               long cpuCount, long cpuDelay) {
    return TopologyFixture.exit(host, cgroup, comm, pid, tgid, last, cpuCount, cpuDelay);
  }

  private void send(TaskExit e, Instant at) {
    fixture.send(e, at);
  }

  private DelayTotals totals(Tables table, String key) {
    KeyValueStore<String, Aggregate> store = driver.getKeyValueStore(table.totalsStore());
    return Totals.toRecord(store.get(key).totals());
  }

  @Test
  void multiThreadedProcessIsCountedOnceFromItsThreadRecords() {
    send(exit("h1", "/svc", "worker", 101, 100, false, 10, 1_000), T0);
    send(exit("h1", "/svc", "worker", 102, 100, false, 20, 2_000), T0);
    TaskExit last = exit("h1", "/svc", "worker", 100, 100, true, 5, 500);
    TaskStats group = SampleRecords.threadGroupAggregate();
    group.setCpuCount(35);
    group.setCpuDelayTotal(3_500);
    last.setThreadGroup(group);
    send(last, T0.plusSeconds(1));

    for (Tables t : Tables.values()) {
      String key = switch (t) {
        case BY_HOST -> "h1";
        case BY_CGROUP -> "/svc";
        case BY_HOST_CGROUP -> TableKey.join("h1", "/svc");
        case BY_PROGRAM -> "worker";
        case BY_PROGRAM_THREAD -> TableKey.join("worker", "worker");
      };
      DelayTotals d = totals(t, key);
      assertThat(d.getExits()).as("%s exits", t).isEqualTo(3);
      assertThat(d.getProcesses()).as("%s processes", t).isEqualTo(1);
      assertThat(d.getCpuCount()).as("%s cpu_count: threads only, not the group on top", t).isEqualTo(35);
      assertThat(d.getCpuDelayTotal()).isEqualTo(3_500);
      assertThat(d.getFirstSeen()).isEqualTo(T0);
      assertThat(d.getLastSeen()).isEqualTo(T0.plusSeconds(1));
    }
  }

  @Test
  void processesFollowAgroupFromVersion12AndTheGroupRecordBefore() {
    TaskExit v16single = exit("h2", "/a", "one", 7, 7, true, 1, 1);
    TaskExit v16thread = exit("h2", "/a", "one", 8, 7, false, 1, 1);
    TaskExit v11withGroup = exit("h2", "/a", "old", 9, 0, false, 1, 1);
    v11withGroup.getTask().setVersion(11);
    v11withGroup.setThreadGroup(SampleRecords.threadGroupAggregate());
    TaskExit v11thread = exit("h2", "/a", "old", 10, 0, false, 1, 1);
    v11thread.getTask().setVersion(11);
    TaskExit v11flagIgnored = exit("h2", "/a", "old", 11, 0, true, 1, 1); // AGROUP means nothing before 12
    v11flagIgnored.getTask().setVersion(11);
    for (TaskExit e : List.of(v16single, v16thread, v11withGroup, v11thread, v11flagIgnored)) {
      send(e, T0);
    }
    assertThat(totals(Tables.BY_HOST, "h2").getExits()).isEqualTo(5);
    assertThat(totals(Tables.BY_HOST, "h2").getProcesses()).isEqualTo(2);
    assertThat(totals(Tables.BY_PROGRAM, "one").getProcesses()).isEqualTo(1);
    assertThat(totals(Tables.BY_PROGRAM, "old").getProcesses()).isEqualTo(1);
  }

  @Test
  void maximaMergeWithMaxMinimaWithMinOverNonZeroHiwaterWithMax() {
    TaskExit a = exit("h3", "/m", "m", 1, 1, true, 1, 1);
    a.getTask().setCpuDelayMax(900);
    a.getTask().setCpuDelayMin(0); // not reported: must not win the min
    a.getTask().setBlkioDelayMin(400);
    a.getTask().setHiwaterRss(5_000);
    TaskExit b = exit("h3", "/m", "m", 2, 2, true, 1, 1);
    b.getTask().setCpuDelayMax(300);
    b.getTask().setCpuDelayMin(120);
    b.getTask().setBlkioDelayMin(700);
    b.getTask().setHiwaterRss(3_000);
    send(a, T0);
    send(b, T0);
    DelayTotals d = totals(Tables.BY_HOST, "h3");
    assertThat(d.getCpuDelayMax()).isEqualTo(900);
    assertThat(d.getCpuDelayMin()).isEqualTo(120);
    assertThat(d.getBlkioDelayMin()).isEqualTo(400);
    assertThat(d.getHiwaterRss()).isEqualTo(5_000);
    assertThat(d.getAcUtime()).isEqualTo(a.getTask().getAcUtime() + b.getTask().getAcUtime());
  }

  @Test
  void windowsCountByReceiveTimeHoweverLateTheRecordArrives() {
    send(exit("h4", "/w", "w", 1, 1, true, 1, 10), T0.plusSeconds(30));
    send(exit("h4", "/w", "w", 2, 2, true, 1, 20), T0.plusSeconds(70));
    send(exit("h4", "/w", "w", 3, 3, true, 1, 40), T0.plusSeconds(170)); // stream time 2:50
    send(exit("h4", "/w", "w", 4, 4, true, 1, 80), T0.plusSeconds(50)); // late
    send(exit("h4", "/w", "w", 5, 5, true, 1, 160), T0.plusSeconds(90 * 60)); // stream time 1.5 h later
    send(exit("h4", "/w", "w", 6, 6, true, 1, 320), T0.plusSeconds(40)); // 1.5 h late: a spool replayed
    send(exit("h4", "/w", "w", 7, 7, true, 1, 640), T0.minus(Duration.ofDays(6))); // 6 days late

    WindowStore<String, Aggregate> store = driver.getWindowStore(Tables.BY_HOST.windowsStore());
    try (WindowStoreIterator<Aggregate> it = store.fetch("h4", T0.minus(Duration.ofDays(7)), T0.plusSeconds(4 * 3600))) {
      List<KeyValue<Long, Aggregate>> windows = new java.util.ArrayList<>();
      it.forEachRemaining(windows::add);
      assertThat(windows).extracting(kv -> Instant.ofEpochMilli(kv.key)).containsExactly(
          T0.minus(Duration.ofDays(6)), T0, T0.plusSeconds(60), T0.plusSeconds(120), T0.plusSeconds(90 * 60));
      assertThat(windows).extracting(kv -> Totals.toRecord(kv.value.totals()).getCpuDelayTotal())
          .containsExactly(640L, 410L, 20L, 40L, 160L);
    }
    assertThat(totals(Tables.BY_HOST, "h4").getCpuDelayTotal()).isEqualTo(1270);
    assertThat(kafkaStreamsDroppedRecords()).isZero();
  }

  @Test
  void recordsOlderThanTheRetentionOrFarAheadCountAllTimeOnlyAndAreCountedPerInstance() {
    send(exit("h14", "/w", "w", 1, 1, true, 1, 10), NOW.minus(Duration.ofDays(7)).minusSeconds(1)); // too old
    send(exit("h14", "/w", "w", 2, 2, true, 1, 20), NOW.minus(Duration.ofDays(7)).plusSeconds(60)); // just in
    send(exit("h14", "/w", "w", 3, 3, true, 1, 40), NOW.plus(Duration.ofMinutes(59))); // ahead, within the limit
    send(exit("h14", "/w", "w", 4, 4, true, 1, 80), NOW.plus(Duration.ofMinutes(61))); // too far ahead
    send(exit("h14", "/w", "w", 5, 5, true, 1, 160), NOW); // stream time did not run ahead with the last one

    WindowStore<String, Aggregate> store = driver.getWindowStore(Tables.BY_HOST.windowsStore());
    long windowed = 0;
    try (var it = store.fetch("h14", NOW.minus(Duration.ofDays(8)), NOW.plus(Duration.ofDays(1)))) {
      while (it.hasNext()) {
        windowed += Totals.toRecord(it.next().value.totals()).getCpuDelayTotal();
      }
    }
    assertThat(windowed).isEqualTo(20 + 40 + 160);
    assertThat(totals(Tables.BY_HOST, "h14").getCpuDelayTotal()).isEqualTo(310);
    assertThat(totals(Tables.BY_CGROUP, "/w").getCpuDelayTotal()).isEqualTo(310);
    InstanceProgress p = driver.<String, InstanceProgress>getKeyValueStore(FleetacctTopology.INSTANCE_PROGRESS_STORE)
        .get(SampleRecords.singleThreadedExit(0).getAgentInstance());
    assertThat(p.getOutsideWindowsTooOld()).isEqualTo(1);
    assertThat(p.getOutsideWindowsAhead()).isEqualTo(1);
    assertThat(guardMetric("outside-windows-total")).isEqualTo(2.0);
    assertThat(kafkaStreamsDroppedRecords()).isZero();
  }

  /** What Kafka Streams itself dropped (late records, among others): never anything here. */
  private double kafkaStreamsDroppedRecords() {
    return driver.metrics().entrySet().stream().filter(m -> m.getKey().name().equals("dropped-records-total"))
        .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue()).sum();
  }

  @Test
  void aReplayedAgentSeqIsCountedOnceAndGapsAreCounted() {
    TaskExit e = exit("h5", "/d", "d", 1, 1, true, 1, 7);
    e.setAgentInstance("instance-5");
    for (long s : new long[] {0, 1, 1, 0, 2, 6, 7}) {
      e.setAgentSeq(s);
      send(e, T0);
    }
    assertThat(totals(Tables.BY_HOST, "h5").getExits()).isEqualTo(5); // 0, 1, 2, 6, 7
    KeyValueStore<String, InstanceProgress> progress = driver.getKeyValueStore(FleetacctTopology.INSTANCE_PROGRESS_STORE);
    InstanceProgress p = progress.get("instance-5");
    assertThat(p.getDuplicates()).isEqualTo(2);
    assertThat(p.getGaps()).isEqualTo(3); // 3, 4, 5
    assertThat(p.getHighestSeq()).isEqualTo(7);
    assertThat(p.getRecords()).isEqualTo(5);
    assertThat(guardMetric("replayed-records-total")).isEqualTo(2.0);
    assertThat(guardMetric("missing-seqs-total")).isEqualTo(3.0);
  }

  private double guardMetric(String name) {
    return driver.metrics().entrySet().stream()
        .filter(m -> m.getKey().group().equals(SequenceGuard.METRIC_GROUP) && m.getKey().name().equals(name))
        .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue()).sum();
  }

  @Test
  void poisonGoesToTheDeadLetterTopicAndProcessingContinues() {
    exits.pipeInput(new TestRecord<>("h6", "this is not avro at all".getBytes(StandardCharsets.UTF_8), T0));
    send(exit("h6", "/p", "p", 1, 1, true, 1, 1), T0);
    TestOutputTopic<String, byte[]> dlq = driver.createOutputTopic(config.deadLetterTopic(),
        Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    TestRecord<String, byte[]> dead = dlq.readRecord();
    assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("this is not avro at all");
    assertThat(new String(dead.headers().lastHeader(SequenceGuard.HEADER_ERROR).value(), StandardCharsets.UTF_8))
        .contains("not Avro single-object encoding");
    assertThat(dead.headers().lastHeader(SequenceGuard.HEADER_OFFSET)).isNotNull();
    assertThat(dlq.isEmpty()).isTrue();
    assertThat(totals(Tables.BY_HOST, "h6").getExits()).isEqualTo(1);
    assertThat(guardMetric("poison-records-total")).isEqualTo(1.0);
  }

  @Test
  void outputTopicsCarryAvroKeysWithSeparateFields() {
    send(exit("h7", "/k", "kcmd", 1, 1, true, 1, 1), T0.plusSeconds(5));
    TestOutputTopic<TotalsKey, DelayTotals> out = driver.createOutputTopic(config.totalsTopic(Tables.BY_HOST_CGROUP),
        FleetacctSerdes.totalsKey().deserializer(), FleetacctSerdes.delayTotals().deserializer());
    KeyValue<TotalsKey, DelayTotals> kv = out.readKeyValuesToList().get(0);
    assertThat(kv.key.getHost()).isEqualTo("h7");
    assertThat(kv.key.getCgroup()).isEqualTo("/k");
    assertThat(kv.key.getCommand()).isNull();
    assertThat(kv.key.getWindowStart()).isNull();
    assertThat(kv.value.getExits()).isEqualTo(1);
    TestOutputTopic<TotalsKey, DelayTotals> windows = driver.createOutputTopic(config.windowsTopic(Tables.BY_PROGRAM),
        FleetacctSerdes.totalsKey().deserializer(), FleetacctSerdes.delayTotals().deserializer());
    TotalsKey wk = windows.readKeyValuesToList().get(0).key;
    assertThat(wk.getCommand()).isEqualTo("kcmd");
    assertThat(wk.getWindowStart()).isEqualTo(T0);
    assertThat(wk.getWindowEnd()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
  }

  @Test
  void windowRowsCarryTheQuantilesOfCpuAndBlockIoWaitAsFieldsAndTheSketchesAsBytes() throws Exception {
    // 20 exits of /q in one minute waiting 1, 2 ... 20 us per run; none has block IO.
    for (int i = 1; i <= 20; i++) {
      TaskExit e = exit("h9", "/q", "q", i, i, true, 2, 2_000L * i);
      e.getTask().setBlkioCount(0L);
      send(e, T0.plusSeconds(i));
    }
    send(sample("h9", "/q", "q", 99, 1, 5_000_000, 5_000_000, T0.plusSeconds(30)));
    TestOutputTopic<TotalsKey, DelayTotals> windows = driver.createOutputTopic(config.windowsTopic(Tables.BY_CGROUP),
        FleetacctSerdes.totalsKey().deserializer(), FleetacctSerdes.delayTotals().deserializer());
    DelayTotals row = windows.readKeyValuesToList().stream().filter(kv -> kv.key.getCgroup().equals("/q"))
        .reduce((a, b) -> b).orElseThrow().value;

    assertThat(row.getExits()).isEqualTo(20);
    assertThat(row.getSamples()).as("a sample adds to the totals, not to the distributions").isEqualTo(1);
    assertThat((double) row.getCpuDelayAvgP50()).isCloseTo(10_000, within(100.0));
    assertThat((double) row.getCpuDelayAvgP90()).isCloseTo(18_000, within(180.0));
    assertThat((double) row.getCpuDelayAvgP99()).isCloseTo(19_000, within(190.0));
    DDSketch sketch = DDSketch.decode(ByteArrayInput.wrap(row.getCpuDelayAvgSketch().array()),
        UnboundedSizeDenseStore::new);
    assertThat(sketch.getCount()).as("the sketch decodes with the library alone").isEqualTo(20);
    assertThat(sketch.getValueAtQuantile(0.5)).isCloseTo(10_000, within(100.0));
    assertThat(row.getBlkioDelayAvgP50()).as("no block IO event: nothing observed").isNull();
    assertThat(row.getBlkioDelayAvgSketch()).isNull();
  }

  @Test
  void unattributedExitsHaveAKeyOfTheirOwn() {
    send(exit("h8", null, "u", 1, 1, true, 1, 1), T0);
    assertThat(totals(Tables.BY_CGROUP, Tables.UNATTRIBUTED).getExits()).isEqualTo(1);
  }

  /** A sample of one live process: these deltas since its last sample, at {@code at}. */
  private TaskSample sample(String host, String cgroup, String comm, long tgid, long cpuCount, long cpuDelay,
                            long cpuDelayMax, Instant at) {
    TaskSample s = SampleRecords.fullTaskSample();
    s.setHost(host);
    s.setCgroup(cgroup);
    s.setAcComm(comm);
    s.setAcTgid(tgid);
    s.setAgentSeq(fixture.nextSeq());
    s.setSampledAt(at);
    TaskDeltas d = new TaskDeltas();
    d.setCpuCount(cpuCount);
    d.setCpuDelayTotal(cpuDelay);
    d.setAcUtime(cpuCount * 10);
    s.setDeltas(d);
    s.setThreadNames(List.of(new ThreadNameDeltas(comm, 1, d)));
    s.setCpuDelayMax(cpuDelayMax);
    s.setBlkioDelayMax(0);
    s.setHiwaterRss(100);
    return s;
  }

  private void send(TaskSample s) {
    exits.pipeInput(new TestRecord<>(s.getHost(), FleetacctSerdes.taskSample().serialize("t", s), s.getSampledAt()));
    driver.advanceWallClockTime(FleetacctTopology.COMBINE_INTERVAL);
  }

  private DelayTotals window(Tables table, String key, Instant start) {
    WindowStore<String, Aggregate> store = driver.getWindowStore(table.windowsStore());
    try (WindowStoreIterator<Aggregate> it = store.fetch(key, start, start)) {
      return it.hasNext() ? Totals.toRecord(it.next().value.totals()) : null;
    }
  }

  @Test
  void samplesAndTheExitAddUpToTheThreadsLifetimeTotalsEachInItsMinute() {
    // A process sampled twice while alive, then its exit, which says what the samples published.
    send(sample("h9", "/db", "postgres", 50, 10, 1_000, 400, T0.plusSeconds(30)));
    send(sample("h9", "/db", "postgres", 50, 4, 600, 0, T0.plusSeconds(90)));
    TaskExit e = exit("h9", "/db", "postgres", 50, 50, true, 20, 2_500);
    e.getTask().setAcUtime(200);
    e.getTask().setCpuDelayMax(400);
    TaskDeltas sampled = new TaskDeltas();
    sampled.setCpuCount(14);
    sampled.setCpuDelayTotal(1_600);
    sampled.setAcUtime(140);
    e.setSampled(sampled);
    send(e, T0.plusSeconds(150));

    DelayTotals all = totals(Tables.BY_CGROUP, "/db");
    assertThat(all.getCpuCount()).as("the exit's lifetime cpu_count, once").isEqualTo(20);
    assertThat(all.getCpuDelayTotal()).isEqualTo(2_500);
    assertThat(all.getAcUtime()).isEqualTo(200);
    assertThat(all.getSamples()).isEqualTo(2);
    assertThat(all.getExits()).isEqualTo(1);
    assertThat(all.getProcesses()).isEqualTo(1);
    assertThat(all.getCpuDelayMax()).isEqualTo(400);
    assertThat(all.getFirstSeen()).as("first seen at the first sample").isEqualTo(T0.plusSeconds(30));
    assertThat(all.getLastSeen()).isEqualTo(T0.plusSeconds(150));
    // Each minute holds what was used and waited in it.
    assertThat(window(Tables.BY_CGROUP, "/db", T0)).satisfies(w -> {
      assertThat(w.getCpuDelayTotal()).isEqualTo(1_000);
      assertThat(w.getCpuDelayMax()).isEqualTo(400);
      assertThat(w.getSamples()).isEqualTo(1);
      assertThat(w.getExits()).isZero();
    });
    assertThat(window(Tables.BY_CGROUP, "/db", T0.plusSeconds(60)).getCpuDelayTotal()).isEqualTo(600);
    assertThat(window(Tables.BY_CGROUP, "/db", T0.plusSeconds(120))).satisfies(w -> {
      assertThat(w.getCpuDelayTotal()).as("the exit adds only what no sample had").isEqualTo(900);
      assertThat(w.getCpuCount()).isEqualTo(6);
      assertThat(w.getExits()).isEqualTo(1);
      assertThat(w.getSamples()).isZero();
    });
    assertThat(totals(Tables.BY_PROGRAM, "postgres").getCpuDelayTotal()).isEqualTo(2_500);
    assertThat(totals(Tables.BY_HOST, "h9").getSamples()).isEqualTo(2);
  }

  @Test
  void aSampleCarryingLivesFromBeforeTheAgentCountsAllTimeOnlyAndIsCountedPerInstance() {
    // A process that ran an hour before the agent: its first sample carries that hour.
    TaskSample first = sample("h15", "/old", "sshd", 70, 30, 36_000, 900, T0.plusSeconds(10));
    first.setCarriedOver(true);
    send(first);
    send(sample("h15", "/old", "sshd", 70, 2, 500, 0, T0.plusSeconds(20)));
    TaskExit e = exit("h15", "/old", "sshd", 70, 70, true, 35, 37_000);
    TaskDeltas sampled = new TaskDeltas();
    sampled.setCpuCount(32);
    sampled.setCpuDelayTotal(36_500);
    e.setSampled(sampled);
    send(e, T0.plusSeconds(70));

    assertThat(totals(Tables.BY_CGROUP, "/old")).satisfies(all -> {
      assertThat(all.getCpuDelayTotal()).as("all-time: the whole life, once").isEqualTo(37_000);
      assertThat(all.getCpuCount()).isEqualTo(35);
      assertThat(all.getSamples()).isEqualTo(2);
    });
    assertThat(window(Tables.BY_CGROUP, "/old", T0)).as("the start minute holds only what happened in it")
        .satisfies(w -> {
          assertThat(w.getCpuDelayTotal()).isEqualTo(500);
          assertThat(w.getSamples()).isEqualTo(1);
          assertThat(w.getCpuDelayMax()).as("a maximum from before the agent is not this minute's").isZero();
        });
    assertThat(window(Tables.BY_CGROUP, "/old", T0.plusSeconds(60)).getCpuDelayTotal()).isEqualTo(500);
    TestOutputTopic<TotalsKey, DelayTotals> windows = driver.createOutputTopic(config.windowsTopic(Tables.BY_CGROUP),
        FleetacctSerdes.totalsKey().deserializer(), FleetacctSerdes.delayTotals().deserializer());
    assertThat(windows.readValuesToList()).as("no window row without an exit or a sample of its own")
        .allSatisfy(w -> assertThat(w.getExits() + w.getSamples()).isPositive())
        .extracting(DelayTotals::getCpuDelayTotal).containsOnly(500L);
    InstanceProgress p = driver.<String, InstanceProgress>getKeyValueStore(FleetacctTopology.INSTANCE_PROGRESS_STORE)
        .get(first.getAgentInstance());
    assertThat(p.getCarriedOverSamples()).isEqualTo(1);
    assertThat(p.getOutsideWindowsTooOld() + p.getOutsideWindowsAhead()).isZero();
  }

  @Test
  void samplesShareTheExitsSequenceAndItsGuard() {
    TaskSample s = sample("h10", "/s", "s", 60, 1, 100, 0, T0);
    s.setAgentInstance("instance-10");
    TaskExit e = exit("h10", "/s", "s", 61, 61, true, 1, 10);
    e.setAgentInstance("instance-10");
    s.setAgentSeq(0);
    send(s);
    e.setAgentSeq(1);
    send(e, T0);
    send(s); // a replay of seq 0
    s.setAgentSeq(3); // seq 2 lost
    send(s);
    KeyValueStore<String, InstanceProgress> progress = driver.getKeyValueStore(FleetacctTopology.INSTANCE_PROGRESS_STORE);
    InstanceProgress p = progress.get("instance-10");
    assertThat(p.getRecords()).isEqualTo(3);
    assertThat(p.getDuplicates()).isEqualTo(1);
    assertThat(p.getGaps()).isEqualTo(1);
    DelayTotals t = totals(Tables.BY_HOST, "h10");
    assertThat(t.getSamples()).isEqualTo(2);
    assertThat(t.getExits()).isEqualTo(1);
    assertThat(t.getCpuDelayTotal()).isEqualTo(210);
  }

  /** A thread of program {@code command} named {@code thread}. */
  private static TaskExit thread(String command, String thread, long pid, long tgid, boolean last, long cpuDelay) {
    TaskExit e = exit("h11", "/app", thread, pid, tgid, last, 1, cpuDelay);
    e.setCommand(command);
    return e;
  }

  @Test
  void aProgramsThreadsCountUnderItsCommandAndByThreadNameOneLevelDown() {
    send(thread("java", "pool-1-thread-1", 101, 100, false, 10), T0);
    send(thread("java", "pool-1-thread-2", 102, 100, false, 20), T0);
    send(thread("java", "GC Thread#0", 103, 100, false, 40), T0);
    send(thread("java", "pool-1-thread-3", 104, 100, true, 80), T0); // the last thread ends it
    send(thread("java", "java", 100, 100, false, 160), T0); // its leader exited first
    DelayTotals java = totals(Tables.BY_PROGRAM, "java");
    assertThat(java.getExits()).isEqualTo(5);
    assertThat(java.getProcesses()).isEqualTo(1);
    assertThat(java.getCpuDelayTotal()).isEqualTo(310);
    KeyValueStore<String, Aggregate> programs = driver.getKeyValueStore(Tables.BY_PROGRAM.totalsStore());
    try (var all = programs.all()) {
      assertThat(all).toIterable().extracting(kv -> kv.key).as("no thread name is a program").containsExactly("java");
    }
    assertThat(totals(Tables.BY_PROGRAM_THREAD, TableKey.join("java", "pool-*-thread-*")))
        .satisfies(t -> {
          assertThat(t.getExits()).as("a pool is one row").isEqualTo(3);
          assertThat(t.getProcesses()).isEqualTo(1);
          assertThat(t.getCpuDelayTotal()).isEqualTo(110);
        });
    assertThat(totals(Tables.BY_PROGRAM_THREAD, TableKey.join("java", "GC Thread#*")).getExits()).isEqualTo(1);
    assertThat(totals(Tables.BY_PROGRAM_THREAD, TableKey.join("java", "java")).getCpuDelayTotal())
        .isEqualTo(160);
    TestOutputTopic<TotalsKey, DelayTotals> out = driver.createOutputTopic(config.totalsTopic(Tables.BY_PROGRAM_THREAD),
        FleetacctSerdes.totalsKey().deserializer(), FleetacctSerdes.delayTotals().deserializer());
    TotalsKey k = out.readKeyValuesToList().get(0).key;
    assertThat(k.getCommand()).isEqualTo("java");
    assertThat(k.getThread()).isEqualTo("pool-*-thread-*");
    assertThat(k.getHost()).isNull();
  }

  @Test
  void exitsOfOlderAgentsCountUnderTheLeadersNameOrUnknownNeverAThreadsName() {
    TaskExit leader = thread(null, "nginx", 200, 200, true, 1);
    TaskExit worker = thread(null, "worker-3", 201, 200, false, 1);
    send(leader, T0);
    send(worker, T0);
    assertThat(totals(Tables.BY_PROGRAM, "nginx").getExits()).isEqualTo(1);
    assertThat(totals(Tables.BY_PROGRAM, Contribution.UNKNOWN_COMMAND).getExits()).isEqualTo(1);
    assertThat(totals(Tables.BY_PROGRAM_THREAD, TableKey.join(Contribution.UNKNOWN_COMMAND, "worker-*"))
        .getExits()).isEqualTo(1);
  }

  @Test
  void aSamplesThreadsCountByNameAndAddUpToTheSample() {
    TaskSample s = sample("h12", "/jvm", "java", 70, 0, 0, 0, T0.plusSeconds(10));
    TaskDeltas pool = new TaskDeltas();
    pool.setCpuDelayTotal(700);
    TaskDeltas main = new TaskDeltas();
    main.setCpuDelayTotal(50);
    TaskDeltas sum = new TaskDeltas();
    sum.setCpuDelayTotal(750);
    s.setDeltas(sum);
    s.setThreadNames(List.of(new ThreadNameDeltas("pool-2-thread-9", 7, pool), new ThreadNameDeltas("java", 1, main)));
    send(s);
    assertThat(totals(Tables.BY_PROGRAM, "java").getCpuDelayTotal()).isEqualTo(750);
    assertThat(window(Tables.BY_PROGRAM_THREAD, TableKey.join("java", "pool-*-thread-*"), T0))
        .satisfies(w -> {
          assertThat(w.getCpuDelayTotal()).isEqualTo(700);
          assertThat(w.getSamples()).isEqualTo(1);
        });
    assertThat(totals(Tables.BY_PROGRAM_THREAD, TableKey.join("java", "java")).getCpuDelayTotal())
        .isEqualTo(50);
  }

  @Test
  void theKernelsNumberedThreadsAndUserRulesFoldIntoOneCommand() {
    fixture.close();
    FleetacctTopology.Config d = FleetacctTopology.Config.defaults();
    FleetacctTopology.Config folded = new FleetacctTopology.Config(d.exitsTopic(), d.statusTopic(), d.deadLetterTopic(),
        d.outputPrefix(), d.windowSize(), d.retention(),
        Folding.of(List.of(Folding.Rule.parse("php-fpm[0-9.]*=php-fpm")), List.of()));
    fixture = new TopologyFixture(stateDir.resolve("folding"), NOW, folded);
    driver = fixture.driver();
    send(exit("h13", "/", "kworker/u16:3", 1, 1, true, 1, 1), T0);
    send(exit("h13", "/", "kworker/0:1H", 2, 2, true, 1, 1), T0);
    send(exit("h13", "/", "php-fpm8.2", 3, 3, true, 1, 1), T0);
    send(exit("h13", "/", "php-fpm7.4", 4, 4, true, 1, 1), T0);
    assertThat(totals(Tables.BY_PROGRAM, "kworker/*").getExits()).isEqualTo(2);
    assertThat(totals(Tables.BY_PROGRAM, "php-fpm").getExits()).isEqualTo(2);
  }

  @Test
  void theProgramTablesAreNewSoThatAnUpgradeNeverMixesThemWithTheOldThreadNamedRows() {
    String description = FleetacctTopology.build(config).describe().toString();
    assertThat(description).contains("totals-by-program", "windows-by-program-thread", "rollups-by-program")
        .doesNotContain("by-command");
    assertThat(config.totalsTopic(Tables.BY_PROGRAM)).isEqualTo("fleetacct.totals.by-program");
  }
}
