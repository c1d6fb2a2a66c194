package io.fleetacct.benchmarks;

import io.fleetacct.common.io.Directories;
import io.fleetacct.streams.BoundedRocksDbMemory;
import io.fleetacct.streams.query.Ranking;
import io.fleetacct.streams.topology.Rollups;
import io.fleetacct.streams.topology.Totals;
import io.fleetacct.streams.topology.TotalsSerde;
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
 * cache) holding N cgroups x 24 h of 1-minute windows (written by {@link Rollups#add}, as the
 * topology does), then rankings over random 1-hour and 24-hour ranges that start off the minute,
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

  public static void main(String[] args) throws Exception {
    int cgroups = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int hours = args.length > 1 ? Integer.parseInt(args[1]) : 24;
    Path dir = Files.createTempDirectory("ranged-top-bench");
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "ranged-top-bench");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    config.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    KeyValueStore<String, long[]> store = Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(Rollups.Index.BY_CGROUP.store()), Serdes.String(), TotalsSerde.serde())
        .withLoggingDisabled().withCachingDisabled().build();
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>(config, new TaskId(0, 0), dir.toFile());
    store.init(context.getStateStoreContext(), store);
    try {
      // 10 minutes beyond the hours, so that a 24-hour range can start off the marks.
      Instant base = Instant.parse("2026-11-30T00:00:00Z");
      int minutes = hours * 60 + 10;
      long loadStart = System.nanoTime();
      SplittableRandom r = new SplittableRandom(1);
      int count = Totals.position("cpu_count");
      int delay = Totals.position("cpu_delay_total");
      int exits = Totals.position("exits");
      for (int m = 0; m < minutes; m++) {
        long start = base.plus(WINDOW.multipliedBy(m)).toEpochMilli();
        for (int c = 0; c < cgroups; c++) {
          long[] v = Totals.empty();
          v[exits] = 1 + r.nextInt(3);
          v[count] = 1 + r.nextInt(50);
          v[delay] = r.nextLong(10_000_000);
          v[Totals.position("first_seen")] = start;
          v[Totals.position("last_seen")] = start + 59_000;
          Rollups.add(store, WINDOW, "/kubepods.slice/pod-" + c + ".slice", start, v);
        }
      }
      System.out.printf("loaded %,d cgroups x %,d windows in %.0f s; store %,d MiB on disk%n", cgroups, minutes,
          (System.nanoTime() - loadStart) / 1e9, size(dir) >> 20);
      long spread = Math.max(600, (hours - 1) * 3600L);
      run("1 hour", store, base, Duration.ofHours(1), spread, 20, 100, "cpu_delay_total");
      run("1 hour", store, base, Duration.ofHours(1), spread, 5, 50, "cpu_delay_avg");
      if (hours > 1) {
        run(hours + " hours", store, base, Duration.ofHours(hours), 600, 3, 30, "cpu_delay_total");
      }
    } finally {
      store.close();
      Directories.deleteTree(dir);
    }
  }

  /** {@code runs} rankings of ranges of {@code length} starting at random seconds in [0, spread). */
  private static void run(String label, KeyValueStore<String, long[]> store, Instant base, Duration length,
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
      Map<String, long[]> sums = new HashMap<>();
      Rollups.sum(store, tiles, "", sums);
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
            + " max %.0f ms; CPU p50 %.0f ms%n", label, by, Instant.EPOCH.plus(length).toString().substring(11, 19),
        runs, (double) buckets / runs, wall[runs / 2] / 1e6, wall[(int) Math.ceil(runs * 0.99) - 1] / 1e6,
        wall[runs - 1] / 1e6, cpu[runs / 2] / 1e6);
  }

  private static long size(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
