package io.fleetacct.benchmarks;

import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.streams.BoundedRocksDbMemory;
import io.fleetacct.streams.query.Ranking;
import io.fleetacct.streams.topology.Aggregate;
import io.fleetacct.streams.topology.AggregateSerde;
import io.fleetacct.streams.topology.DelaySketches;
import io.fleetacct.streams.topology.Rollups;
import io.fleetacct.streams.topology.Totals;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * What one instance pays for a ranged top: a rollup store as the application builds it (RocksDB
 * with the application's memory settings, the working-form serde, the metered store layers, no
 * cache) holding N cgroups x 24 h of 1-minute windows of 1 to 3 exits each, with their delay
 * sketches (written by {@link Rollups#add}, as the topology does), then rankings (by a total, an
 * average and a quantile) and one key's quantiles over random 1-hour and 24-hour ranges that start off the minute,
 * hour and 10-minute marks (so every query reads edge buckets too): bucket reads and merge
 * ({@link Rollups#sum}) and ranking ({@link Ranking#best}), the work of one instance's share of
 * the answer. Latency p50/p99 and this thread's CPU per query. Not included: HTTP and JSON of the
 * answer (10 rows), and the fan-out to other instances, which runs in parallel.
 *
 * <p>Lives in the query package to call its package-private parts. Run: {@code java -cp
 * benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.RangedTopBenchmark [cgroups] [hours]}
 * (hours 1: the 1-hour rankings only, over 70 minutes of windows)
 */
public final class RangedTopBenchmark {

  private static final Duration WINDOW = Duration.ofMinutes(1);
  private static final AvroSerde<DelayTotals> ROWS = FleetacctSerdes.delayTotals();

  public static void main(String[] args) throws Exception {
    int cgroups = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int hours = args.length > 1 ? Integer.parseInt(args[1]) : 24;
    Path dir = Files.createTempDirectory("ranged-top-bench");
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "ranged-top-bench");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    config.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    KeyValueStore<String, Aggregate> store = Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(Rollups.Index.BY_CGROUP.store()), Serdes.String(), AggregateSerde.serde())
        .withLoggingDisabled().withCachingDisabled().build();
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>(config, new TaskId(0, 0), dir.toFile());
    store.init(context.getStateStoreContext(), store);
    try {
      // 10 minutes beyond the hours, so that a 24-hour range can start off the marks.
      Instant base = Instant.parse("2026-11-30T00:00:00Z");
      int minutes = hours * 60 + 10;
      long loadStart = System.nanoTime();
      SplittableRandom r = new SplittableRandom(1);
      long windowBytes = 0;
      long rowBytes = 0;
      long totalsRowBytes = 0;
      long rows = 0;
      for (int m = 0; m < minutes; m++) {
        long start = base.plus(WINDOW.multipliedBy(m)).toEpochMilli();
        for (int c = 0; c < cgroups; c++) {
          Aggregate window = Aggregate.empty();
          for (int e = 1 + r.nextInt(3); e > 0; e--) {
            window = Aggregate.merge(window, exit(r, start));
          }
          windowBytes += window.sketchBytes().length;
          if (c % 100 == 0) { // the windows topic's row, with and without its distribution fields
            rowBytes += ROWS.serialize("t", window.toRecord()).length;
            totalsRowBytes += ROWS.serialize("t", Totals.toRecord(window.totals())).length;
            rows++;
          }
          Rollups.add(store, WINDOW, key(c), start, window);
        }
      }
      System.out.printf("loaded %,d cgroups x %,d windows in %.0f s; store %,d MiB on disk; sketches %.0f bytes"
              + " per window in the store; a windows-topic row %.0f bytes (%.0f without its distributions)%n", cgroups,
          minutes, (System.nanoTime() - loadStart) / 1e9, size(dir) >> 20, (double) windowBytes / cgroups / minutes,
          (double) rowBytes / rows, (double) totalsRowBytes / rows);
      long spread = Math.max(600, (hours - 1) * 3600L);
      run("1 hour", store, base, Duration.ofHours(1), spread, 20, 100, "cpu_delay_total");
      run("1 hour", store, base, Duration.ofHours(1), spread, 5, 50, "cpu_delay_avg");
      run("1 hour", store, base, Duration.ofHours(1), spread, 20, 100, "p99(cpu_delay_avg)");
      quantiles("1 hour", store, base, Duration.ofHours(1), spread, cgroups);
      if (hours > 1) {
        run(hours + " hours", store, base, Duration.ofHours(hours), 600, 3, 30, "cpu_delay_total");
        run(hours + " hours", store, base, Duration.ofHours(hours), 600, 3, 30, "p99(cpu_delay_avg)");
        quantiles(hours + " hours", store, base, Duration.ofHours(hours), 600, cgroups);
      }
    } finally {
      store.close();
      Directories.deleteTree(dir);
    }
  }

  private static String key(int cgroup) {
    return "/kubepods.slice/pod-" + cgroup + ".slice";
  }

  /** One exit in the window from {@code start}: CPU waits per run of tens of us to ms, a few with block IO. */
  private static Aggregate exit(SplittableRandom r, long start) {
    long[] v = Totals.empty();
    v[Totals.position("exits")] = 1;
    v[Totals.position("cpu_count")] = 1 + r.nextInt(50);
    v[Totals.position("cpu_delay_total")] = r.nextLong(10_000_000);
    v[Totals.position("first_seen")] = start;
    v[Totals.position("last_seen")] = start + 59_000;
    TaskStats t = new TaskStats();
    t.setVersion(17);
    t.setCpuCount(v[Totals.position("cpu_count")]);
    t.setCpuDelayTotal(v[Totals.position("cpu_delay_total")]);
    t.setCpuDelayMax(t.getCpuDelayTotal() / 2 + 1);
    if (r.nextInt(4) == 0) {
      t.setBlkioCount(1 + r.nextInt(20));
      t.setBlkioDelayTotal(r.nextLong(50_000_000));
      t.setBlkioDelayMax(t.getBlkioDelayTotal() / 2 + 1);
    }
    return Aggregate.of(v, DelaySketches.encodeOf(t));
  }

  /** One cgroup's p50, p90, p99 of CPU wait per run over ranges of {@code length}: the quantiles endpoint's read. */
  private static void quantiles(String label, KeyValueStore<String, Aggregate> store, Instant base, Duration length,
                                long spreadSeconds, int cgroups) {
    SplittableRandom r = new SplittableRandom(3);
    DelaySketches.Observation cpu = DelaySketches.Observation.named("cpu_delay_avg");
    int runs = 200;
    long[] wall = new long[runs];
    for (int i = -20; i < runs; i++) {
      Instant from = base.plusSeconds(1 + r.nextLong(spreadSeconds - 1));
      long t0 = System.nanoTime();
      Aggregate a = Rollups.sum(store, Rollups.tile(from, from.plus(length), WINDOW), key(r.nextInt(cgroups)));
      DelaySketches d = DelaySketches.decode(a.sketchBytes(), cpu);
      if (d.count(cpu) == 0 || Double.isNaN(d.quantile(cpu, 0.99) + d.quantile(cpu, 0.9) + d.quantile(cpu, 0.5))) {
        throw new IllegalStateException("no observations in " + from);
      }
      if (i >= 0) {
        wall[i] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(wall);
    System.out.printf("%s, one cgroup's p50/p90/p99 of cpu_delay_avg: %d queries; latency p50 %.2f ms, p99 %.2f ms%n",
        label, runs, wall[runs / 2] / 1e6, wall[(int) Math.ceil(runs * 0.99) - 1] / 1e6);
  }

  /** {@code runs} rankings of ranges of {@code length} starting at random seconds in [0, spread). */
  private static void run(String label, KeyValueStore<String, Aggregate> store, Instant base, Duration length,
                          long spreadSeconds, int warmup, int runs, String by) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    SplittableRandom r = new SplittableRandom(2);
    long[] wall = new long[runs];
    long[] cpu = new long[runs];
    int buckets = 0;
    for (int i = -warmup; i < runs; i++) {
      Instant from = base.plusSeconds(1 + r.nextLong(spreadSeconds - 1));
      List<Rollups.Bucket> tiles = Rollups.tile(from, from.plus(length), WINDOW);
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      Map<String, Aggregate> sums = new HashMap<>();
      Rollups.sum(store, tiles, "", sums, Ranking.merge(by));
      List<String> top = Ranking.bestKeys(sums, by, 10);
      if (i >= 0) {
        wall[i] = System.nanoTime() - t0;
        cpu[i] = threads.getCurrentThreadCpuTime() - c0;
        buckets += tiles.size();
      }
      if (top.size() != 10) {
        throw new IllegalStateException("expected 10 rows, got " + top.size());
      }
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    System.out.printf("%s by %s over %s: %d queries, %.1f buckets each; latency p50 %.0f ms, p99 %.0f ms,"
            + " max %.0f ms; CPU p50 %.0f ms, p99 %.0f ms%n", label, by,
        Instant.EPOCH.plus(length).toString().substring(11, 19), runs, (double) buckets / runs, wall[runs / 2] / 1e6,
        wall[(int) Math.ceil(runs * 0.99) - 1] / 1e6, wall[runs - 1] / 1e6, cpu[runs / 2] / 1e6,
        cpu[(int) Math.ceil(runs * 0.99) - 1] / 1e6);
  }

  private static long size(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
