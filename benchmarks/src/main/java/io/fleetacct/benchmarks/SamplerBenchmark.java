package io.fleetacct.benchmarks;

import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.cgroup.ProcCgroup;
import io.fleetacct.agent.cgroup.ProcCgroupFiles;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.sample.SampledThreads;
import io.fleetacct.agent.sample.Sampler;
import io.fleetacct.agent.sample.SamplerCounters;
import io.fleetacct.agent.sample.TaskstatsQuery;
import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.serde.AvroAnySerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.testing.CProgram;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What sampling live threads costs the agent: the real sampler (TASKSTATS_CMD_GET per thread,
 * /proc reads, the journal written each cycle) on this host with N extra threads that each wake
 * every 50 ms (workload/threads.c), so that every thread has something new at every sample, the
 * worst case. Runs cycles back to back on this thread and reports, per cycle, the threads read,
 * samples made and their encoded bytes, wall and CPU time (p50, max), the CPU share of one core at
 * the default 60 s interval, the per-thread table's heap and the journal's size. Needs root.
 *
 * <p>Runs single cycles ({@link Sampler#cycle()}). Run: {@code java -cp
 * benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.SamplerBenchmark [threads] [cycles]}
 */
public final class SamplerBenchmark {

  public static void main(String[] args) throws Exception {
    int extra = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Path spool = Files.createTempDirectory("sampler-bench-");
    Process workload = new ProcessBuilder(CProgram.binary("threads").toString(), String.valueOf(extra), "3600")
        .redirectErrorStream(true).start();
    try {
      String started = new BufferedReader(new InputStreamReader(workload.getInputStream())).readLine();
      System.out.println("workload: " + started + " threads");
      HostIdentity host = HostIdentity.detect("bench", HostRoot.real());
      SampledThreads table = new SampledThreads();
      SamplerCounters counters = new SamplerCounters();
      AvroAnySerde serde = FleetacctSerdes.exitOrSample();
      AtomicLong bytes = new AtomicLong();
      AtomicLong records = new AtomicLong();
      Sampler.Sink sink = (make, persist) -> {
        List<TaskSample> made = make.get();
        persist.run();
        records.addAndGet(made.size());
        made.forEach(s -> bytes.addAndGet(serde.serialize("t", s).length));
      };
      try (TaskstatsQuery query = new TaskstatsQuery()) {
        Sampler sampler = Sampler.create(Duration.ofSeconds(60), query, new ProcCgroupFiles(HostRoot.real().proc(),
            ProcCgroup.forHost(CgroupMounts.of(HostRoot.real()))), table, spool, sink, host, "bench", counters,
            java.time.Clock.systemUTC());
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long heapEmpty = heapAfterGc();
        sampler.cycle(); // the first cycle publishes every thread's life so far: not the steady state
        long tableHeap = heapAfterGc() - heapEmpty;
        System.out.printf("first cycle: %d threads read, %d samples, %.0f ms%n", counters.threadsRead.sum(),
            records.get(), counters.lastCycleNanos.get() / 1e6);
        long[] cpu = new long[cycles];
        long[] wall = new long[cycles];
        long read0 = counters.threadsRead.sum();
        records.set(0);
        bytes.set(0);
        for (int i = 0; i < cycles; i++) {
          Thread.sleep(200); // every thread of the workload has woken since
          long c0 = mx.getCurrentThreadCpuTime();
          sampler.cycle();
          cpu[i] = mx.getCurrentThreadCpuTime() - c0;
          wall[i] = counters.lastCycleNanos.get();
        }
        Arrays.sort(cpu);
        Arrays.sort(wall);
        double threadsPerCycle = (double) (counters.threadsRead.sum() - read0) / cycles;
        System.out.printf("steady state over %d cycles: %.0f threads read and %.0f samples (%.0f bytes) per cycle;"
                + " wall p50 %.0f ms, max %.0f ms; CPU p50 %.0f ms, max %.0f ms (%.1f µs per thread); at a 60 s"
                + " interval %.3f%% of one core; table %,d threads; journal %,d bytes%n", cycles, threadsPerCycle,
            (double) records.get() / cycles, (double) bytes.get() / cycles, wall[cycles / 2] / 1e6,
            wall[cycles - 1] / 1e6, cpu[cycles / 2] / 1e6, cpu[cycles - 1] / 1e6,
            cpu[cycles / 2] / 1e3 / threadsPerCycle, 100.0 * cpu[cycles / 2] / 60e9, table.size(),
            Files.size(Sampler.journalFile(spool)));
        System.out.printf("heap held after the first cycle (the per-thread table, the cgroup names): %,d bytes, %d"
            + " per thread read%n", tableHeap, tableHeap / Math.max(1, table.size()));
      }
    } finally {
      workload.destroyForcibly();
      workload.waitFor();
      Directories.deleteTree(spool);
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
