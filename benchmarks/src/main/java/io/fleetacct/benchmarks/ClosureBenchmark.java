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
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.testing.CProgram;
import io.fleetacct.testing.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closure: is the host accounted whole? Over a window of minutes on a busy host (a fork storm, and
 * a long-lived multi-threaded process beside a CPU hog), the CPU time (ac_utime + ac_stime) that
 * samples and exits contribute by the counting rules (a sample its deltas, an exit task - sampled)
 * is compared with the host's CPU time from /proc/stat (user + nice + system) over the same window.
 * The agent's parts run in this process exactly as in the agent (exit listener on every CPU, one
 * socket each; sampler; the per-thread table), with the sums kept here instead of in Kafka. The
 * window starts when the first sampling cycle ends (that cycle publishes every live thread's life
 * so far) and ends when the last ends. Needs root and a C compiler.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.ClosureBenchmark
 * [minutes] [interval-seconds]} (defaults 5 and 10).
 */
public final class ClosureBenchmark {

  private static final long USER_HZ_MICROS = 10_000; // /proc/stat counts USER_HZ = 100 ticks a second

  public static void main(String[] args) throws Exception {
    double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    int interval = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int cycles = (int) Math.round(minutes * 60 / interval);
    Path spool = Files.createTempDirectory("closure-bench-");
    SampledThreads table = new SampledThreads();
    LongAdder exitMicros = new LongAdder();
    LongAdder sampleMicros = new LongAdder();
    LongAdder exits = new LongAdder();
    LongAdder samples = new LongAdder();
    AtomicBoolean counting = new AtomicBoolean();
    ListenerCounters lc = new ListenerCounters();
    CpuList cpus = CpuList.possible(HostRoot.real());
    Process storm = Workload.startFor(minutes * 60 + interval * 3 + 30, "clos");
    Process live = new ProcessBuilder(CProgram.binary("live").toString(), String.valueOf((int) (minutes * 60) + 60),
        "closlive", "1").redirectErrorStream(true).start();
    try (ExitListener listener = ExitListener.start(ExitListener.Options.perCpu(cpus), (exit, at, socket, missed) -> {
      TaskStats t = exit.task();
      TaskDeltas s = table.take(t.getAcPid(), t.getAcBtime64());
      if (counting.get()) {
        exitMicros.add(t.getAcUtime() + t.getAcStime() - (s == null ? 0 : s.getAcUtime() + s.getAcStime()));
        exits.increment();
      }
    }, lc); TaskstatsQuery query = new TaskstatsQuery()) {
      Sampler sampler = Sampler.create(Duration.ofSeconds(interval), query, new ProcCgroupFiles(HostRoot.real().proc(),
          ProcCgroup.forHost(CgroupMounts.of(HostRoot.real()))), table, spool, (make, persist) -> {
            var made = make.get();
            persist.run();
            if (counting.get()) {
              for (TaskSample x : made) {
                sampleMicros.add(x.getDeltas().getAcUtime() + x.getDeltas().getAcStime());
              }
              samples.add(made.size());
            }
          }, HostIdentity.detect("bench", HostRoot.real()), "closure", new SamplerCounters(), java.time.Clock.systemUTC());
      Thread.sleep(5_000); // the storm and the live process under way
      sampler.cycle();
      counting.set(true);
      long[] start = procStat();
      long t0 = System.nanoTime();
      for (int i = 0; i < cycles; i++) {
        long next = t0 + (i + 1) * (long) interval * 1_000_000_000L;
        Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
        sampler.cycle();
      }
      long[] end = procStat();
      counting.set(false);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long host = (end[0] + end[1] + end[2] - start[0] - start[1] - start[2]) * USER_HZ_MICROS;
      long irq = (end[5] + end[6] - start[5] - start[6]) * USER_HZ_MICROS;
      long idle = (end[3] - start[3]) * USER_HZ_MICROS;
      long counted = exitMicros.sum() + sampleMicros.sum();
      System.out.printf("closure over %.0f s (%d samplings every %d s): host CPU (user + nice + system) %.3f s;"
              + " counted %.3f s (samples %.3f s in %,d records, exits %.3f s in %,d records): %.2f%% of the host's;"
              + " difference %+.3f s; besides: irq + softirq %.3f s, idle %.1f s; kernel overflows %d%n", seconds,
          cycles, interval, host / 1e6, counted / 1e6, sampleMicros.sum() / 1e6, samples.sum(), exitMicros.sum() / 1e6,
          exits.sum(), 100.0 * counted / host, (counted - host) / 1e6, irq / 1e6, idle / 1e6,
          lc.kernelOverflowEvents.sum());
    } finally {
      storm.destroyForcibly();
      live.destroyForcibly();
      storm.waitFor();
      live.waitFor();
      Directories.deleteTree(spool);
    }
  }

  /** The first line of /proc/stat: user nice system idle iowait irq softirq steal ..., in USER_HZ ticks. */
  private static long[] procStat() throws java.io.IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long[] v = new long[f.length - 1];
    for (int i = 1; i < f.length; i++) {
      v[i - 1] = Long.parseLong(f[i]);
    }
    return v;
  }
}
