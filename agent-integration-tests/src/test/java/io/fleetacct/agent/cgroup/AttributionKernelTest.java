package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.agent.bpf.ExitCgroupProbe;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.testing.AttributionModes;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.TestCgroup;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Spawn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real kernel: short-lived processes (some multi-threaded) enter fresh cgroups in every way
 * real software does, {@value #PROCESSES} per way, with and without two CPU hogs, and every exit's
 * cgroup is compared with the truth (each task is named after the cgroup it exits in). Exact
 * mode must be right for every exit; proc mode must hold the floors below, measured on the CI
 * machine kind (docs/attribution.md has the figures).
 */
@IntegrationTest
@Isolated("proc mode's floors are measured on an otherwise idle machine")
class AttributionKernelTest {

  static final int PROCESSES = 500;

  /**
   * Proc mode: the least share of exits (in %) attributed right per way, well under the lowest
   * figure seen on the CI machine kind (docs/attribution.md): proc mode races the workload, and its
   * share moves with the machine's load from run to run (clone3: 80.7 to 99.9%; join 81.0 once in
   * CI), so a way under its floor is measured twice. A guard against breaking it, not a promise;
   * exact mode is held to every exit.
   */
  static final Map<Spawn.Way, Double> PROC_FLOOR = new EnumMap<>(Map.of(
      Spawn.Way.join, 85.0,
      Spawn.Way.move, 80.0,
      Spawn.Way.shell, 95.0,
      Spawn.Way.clone3, 65.0,
      Spawn.Way.leave, 25.0));

  /** How one exit was attributed; every thread here is named like its process, so its name is its command. */
  record Seen(String cgroup, CgroupSource source, boolean commandRight) {}

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @ParameterizedTest(name = "{0} mode (exit hook over {1}), CPU hogs: {2}")
  @MethodSource("io.fleetacct.agent.testing.AttributionModes#withAndWithoutHogs")
  void everyWayIntoACgroupIsAttributedWhereTheTaskExited(AttributionMode mode, ExitCgroupProbe.Transport transport,
                                                         boolean hogs) throws Exception {
    CgroupMounts mounts = CgroupMounts.of(HostRoot.real());
    assumeTrue(mounts.v2().isPresent(), "needs a cgroup2 mount");
    String run = "t" + UUID.randomUUID().toString().substring(0, 4);
    Map<String, ConcurrentLinkedQueue<Seen>> byName = new ConcurrentHashMap<>();
    List<String> report = new ArrayList<>();
    List<String> misses = new ArrayList<>();
    ListenerCounters counters = new ListenerCounters();
    CpuList cpus = CpuList.possible(HostRoot.real());
    try (Attributor attributor = AttributionModes.start(mode, transport, mounts);
         ExitListener listener = ExitListener.start(ExitListener.Options.perCpu(cpus), (exit, at, socket, missed) -> {
           ExitAttribution both = attributor.attribute(exit); // every exit, as the agent does
           Attribution a = both.cgroup();
           String comm = exit.acComm();
           if (comm.startsWith(run)) {
             byName.computeIfAbsent(comm, k -> new ConcurrentLinkedQueue<>())
                 .add(new Seen(a.cgroup() == null ? null : a.cgroup().path(), a.source(),
                     comm.equals(both.command().name())));
           }
         }, counters);
         AttributionModes.CpuHogs hogProcesses = AttributionModes.CpuHogs.start(hogs ? 2 : 0)) {
      for (Spawn.Way way : Spawn.Way.values()) {
        // Proc mode races the workload: a way under its floor is measured once more, and fails only
        // if both measurements are (a load spike passes, a broken tracker does not).
        int attempts = mode == AttributionMode.proc ? 2 : 1;
        for (int attempt = 1; attempt <= attempts; attempt++) {
          try (TestCgroup s = TestCgroup.create(); TestCgroup a = TestCgroup.create()) {
            String prefix = run + way.name().substring(0, 2) + attempt;
            Map<String, Long> expected = Spawn.run(way, PROCESSES, prefix, s.dir(), a.dir());
            Map<String, String> truth = Map.of(prefix + "a", a.path(), prefix + "s", s.path());
            long total = expected.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received(byName, expected.keySet()) < total && System.nanoTime() < deadline) {
              Thread.sleep(20);
            }
            long right = 0;
            long commandsRight = 0;
            Map<CgroupSource, Long> sources = new EnumMap<>(CgroupSource.class);
            for (Map.Entry<String, Long> e : expected.entrySet()) {
              List<Seen> seen = List.copyOf(byName.getOrDefault(e.getKey(), new ConcurrentLinkedQueue<>()));
              assertThat(seen).as("exits named %s (%s)", e.getKey(), way).hasSize(e.getValue().intValue());
              for (Seen x : seen) {
                sources.merge(x.source(), 1L, Long::sum);
                commandsRight += x.commandRight() ? 1 : 0;
                if (truth.get(e.getKey()).equals(x.cgroup())) {
                  right++;
                } else if (misses.stream().filter(m -> m.startsWith(way + ":")).count() < 3) {
                  misses.add(way + ": " + e.getKey() + " exited in " + truth.get(e.getKey()) + ", attributed to "
                      + x.cgroup() + " by " + x.source());
                }
              }
            }
            double share = 100.0 * right / total;
            report.add(String.format("%-6s %5d of %5d right (%6.2f%%) %s; command right %6.2f%%", way, right, total,
                share, sources, 100.0 * commandsRight / total));
            List<String> wayMisses = misses.stream().filter(m -> m.startsWith(way + ":")).toList();
            if (mode == AttributionMode.exact) {
              assertThat(right).as("%s: exits attributed right in exact mode; misses: %s", way, wayMisses)
                  .isEqualTo(total);
              assertThat(commandsRight).as("%s: exits under their command in exact mode", way).isEqualTo(total);
            } else if (share >= PROC_FLOOR.get(way)) {
              break;
            } else if (attempt == attempts) {
              assertThat(share).as("%s: %% attributed right in proc mode, measured %d times (%s); misses: %s", way,
                  attempts, report, wayMisses).isGreaterThanOrEqualTo(PROC_FLOOR.get(way));
            } else {
              misses.removeIf(m -> m.startsWith(way + ":"));
            }
          }
        }
      }
    } finally {
      System.out.printf("attribution, %s mode, %s CPU hogs, %d processes per way:%n  %s%n", mode, hogs ? "two" : "no",
          PROCESSES, String.join("\n  ", report));
      if (!misses.isEmpty()) {
        System.out.println("  first misses:\n    " + String.join("\n    ", misses));
      }
    }
    assertThat(counters.kernelOverflowEvents.sum()).as("kernel overflow events").isZero();
  }

  private static long received(Map<String, ConcurrentLinkedQueue<Seen>> byName, Iterable<String> names) {
    long n = 0;
    for (String name : names) {
      ConcurrentLinkedQueue<Seen> q = byName.get(name);
      n += q == null ? 0 : q.size();
    }
    return n;
  }
}
