package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollupsTest {

  @TempDir Path stateDir;

  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Instant T0 = Instant.parse("2026-11-30T09:00:00Z");

  @Test
  void anAlignedHourIsOneBucket() {
    assertThat(Rollups.tile(T0, T0.plus(Duration.ofHours(1)), MINUTE))
        .containsExactly(new Rollups.Bucket(2, T0.toEpochMilli()));
  }

  @Test
  void edgesAreTiledWithTenMinuteThenOneMinuteBuckets() {
    Instant from = T0.plus(Duration.ofMinutes(37));
    Instant to = T0.plus(Duration.ofHours(3)).plus(Duration.ofMinutes(12));
    List<Rollups.Bucket> tiles = Rollups.tile(from, to, MINUTE);
    List<String> shape = tiles.stream().map(b -> b.level() + "@" + Duration.ofMillis(b.start() - T0.toEpochMilli())
        .toMinutes()).toList();
    assertThat(shape).containsExactly("0@37", "0@38", "0@39", "1@40", "1@50", "2@60", "2@120", "1@180", "0@190",
        "0@191");
  }

  @Test
  void aRangeCoversTheWindowsThatStartInIt() {
    // [09:00:30, 09:02:30) holds the windows that start at 09:01 and 09:02.
    assertThat(Rollups.tile(T0.plusSeconds(30), T0.plusSeconds(150), MINUTE))
        .containsExactly(new Rollups.Bucket(0, T0.plusSeconds(60).toEpochMilli()),
            new Rollups.Bucket(0, T0.plusSeconds(120).toEpochMilli()));
    assertThat(Rollups.tile(T0.plusSeconds(1), T0.plusSeconds(59), MINUTE)).isEmpty();
  }

  @Test
  void everyRangeIsTiledExactlyOnceAndWithFewBuckets() {
    SplittableRandom r = new SplittableRandom(17);
    for (int i = 0; i < 20_000; i++) {
      long from = T0.toEpochMilli() + r.nextLong(Duration.ofDays(2).toMillis());
      long to = from + 1 + r.nextLong(Duration.ofHours(30).toMillis());
      long next = ceil(from, 60_000);
      int hours = 0;
      List<Rollups.Bucket> tiles = Rollups.tile(Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), MINUTE);
      for (Rollups.Bucket b : tiles) {
        assertThat(b.start()).isEqualTo(next);
        long size = 60_000L * Rollups.FACTORS[b.level()];
        assertThat(b.start() % size).isZero();
        next += size;
        hours += b.level() == 2 ? 1 : 0;
      }
      assertThat(next).isEqualTo(ceil(to, 60_000));
      assertThat(tiles.size() - hours).as("edge buckets").isLessThanOrEqualTo(9 + 5 + 5 + 9);
    }
  }

  private static long ceil(long t, long step) {
    return t % step == 0 ? t : t - t % step + step;
  }

  @Test
  void theHostsOfACgroupIndexSwapsTheKey() {
    assertThat(Rollups.Index.BY_CGROUP_HOST.key(TableKey.join("h1", "/a"))).isEqualTo("/a\u0000h1");
    assertThat(Rollups.Index.BY_HOST_CGROUP.key(TableKey.join("h1", "/a"))).isEqualTo("h1\u0000/a");
  }

  /**
   * Exits over three hours, many per window, through the real topology: for random ranges, every
   * cgroup's sum over the rollup buckets that tile the range equals its sum over the windows.
   */
  @Test
  void rollupsSumExactlyWhatTheWindowsHold() {
    FleetacctSchemas.trustGeneratedClasses();
    FleetacctTopology.Config config = FleetacctTopology.Config.defaults();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "rollups");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // not the shared /tmp/kafka-streams
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    try (TopologyTestDriver driver = new TopologyTestDriver(FleetacctTopology.build(config), p,
        T0.plus(Duration.ofHours(3)))) {
      TestInputTopic<String, byte[]> exits = driver.createInputTopic(config.exitsTopic(),
          Serdes.String().serializer(), Serdes.ByteArray().serializer());
      SplittableRandom r = new SplittableRandom(7);
      long seq = 0;
      for (int minute = 0; minute < 180; minute++) {
        for (int n = 0; n < 30; n++) {
          TaskExit e = SampleRecords.singleThreadedExit(seq);
          e.setAgentSeq(seq++);
          e.setHost("h" + r.nextInt(3));
          e.setCgroup("/c" + r.nextInt(4));
          TaskStats t = SampleRecords.fullTaskStats();
          t.setCpuCount(1 + r.nextInt(5));
          t.setCpuDelayTotal(r.nextInt(1_000_000));
          t.setCpuDelayMax(r.nextInt(1_000_000));
          e.setTask(t);
          Instant at = T0.plus(Duration.ofMinutes(minute)).plusSeconds(r.nextInt(60));
          e.setReceivedAt(at);
          exits.pipeInput(new TestRecord<>(e.getHost(), FleetacctSerdes.taskExit().serialize("t", e), at));
          if (n % 10 == 9) { // a commit: each window changes again, and its sketches outgrow their compaction
            driver.advanceWallClockTime(FleetacctTopology.COMBINE_INTERVAL);
          }
        }
      }
      WindowStore<String, Aggregate> windows = driver.getWindowStore(Tables.BY_CGROUP.windowsStore());
      KeyValueStore<String, Aggregate> rollups = driver.getKeyValueStore(Rollups.Index.BY_CGROUP.store());
      for (int i = 0; i < 200; i++) {
        Instant from = T0.plusSeconds(r.nextInt(180 * 60));
        Instant to = from.plusSeconds(1 + r.nextInt(180 * 60));
        Map<String, Aggregate> expected = new HashMap<>();
        for (int c = 0; c < 4; c++) {
          try (WindowStoreIterator<Aggregate> it = windows.fetch("/c" + c, from, to.minusMillis(1))) {
            while (it.hasNext()) {
              KeyValue<Long, Aggregate> w = it.next();
              if (w.key >= from.toEpochMilli()) {
                expected.merge("/c" + c, w.value, Aggregate::merge);
              }
            }
          }
        }
        Map<String, Aggregate> actual = new HashMap<>();
        List<Rollups.Bucket> buckets = Rollups.tile(from, to, config.windowSize());
        Rollups.sum(rollups, buckets, "", actual, Aggregate::mergeToRead);
        assertThat(actual.keySet()).as(from + " to " + to).isEqualTo(expected.keySet());
        expected.forEach((k, v) -> {
          assertThat(actual.get(k).totals()).as(k + " " + from + " to " + to).containsExactly(v.totals());
          AggregateTest.assertSameDistributions(actual.get(k).sketches(), v.sketches());
          AggregateTest.assertSameDistributions(Rollups.sum(rollups, buckets, k).sketches(), v.sketches());
        });
      }
    }
  }

  @Test
  void bucketsOlderThanTheRetentionAreDeleted() {
    FleetacctSchemas.trustGeneratedClasses();
    FleetacctTopology.Config d = FleetacctTopology.Config.defaults();
    FleetacctTopology.Config config = new FleetacctTopology.Config(d.exitsTopic(), d.statusTopic(),
        d.deadLetterTopic(), d.outputPrefix(), MINUTE, Duration.ofHours(2));
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "rollups-retention");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // not the shared /tmp/kafka-streams
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    try (TopologyTestDriver driver = new TopologyTestDriver(FleetacctTopology.build(config), p, T0)) {
      TestInputTopic<String, byte[]> exits = driver.createInputTopic(config.exitsTopic(),
          Serdes.String().serializer(), Serdes.ByteArray().serializer());
      for (int i = 0; i < 2; i++) {
        if (i == 1) {
          driver.advanceWallClockTime(Duration.ofHours(5)); // the first exit's buckets are past the retention
        }
        TaskExit e = SampleRecords.singleThreadedExit(i);
        e.setAgentSeq(i);
        Instant at = T0.plus(Duration.ofHours(5 * i));
        e.setReceivedAt(at);
        exits.pipeInput(new TestRecord<>(e.getHost(), FleetacctSerdes.taskExit().serialize("t", e), at));
        driver.advanceWallClockTime(FleetacctTopology.COMBINE_INTERVAL);
      }
      driver.advanceWallClockTime(Duration.ofMinutes(1));
      KeyValueStore<String, Aggregate> rollups = driver.getKeyValueStore(Rollups.Index.BY_HOST.store());
      List<String> kept = new ArrayList<>();
      try (KeyValueIterator<String, Aggregate> it = rollups.all()) {
        it.forEachRemaining(e -> kept.add(e.key));
      }
      long later = T0.plus(Duration.ofHours(5)).toEpochMilli();
      assertThat(kept).hasSize(3).allMatch(k -> k.substring(1, 17).equals(Long.toHexString(later)
          .replaceFirst("^", "0".repeat(16 - Long.toHexString(later).length()))));
    }
  }
}
