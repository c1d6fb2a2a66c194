package io.fleetacct.agent.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.bpf.ExitCgroupProbe;
import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.testing.AttributionModes;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.schema.CommandSource;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Programs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real kernel: programs whose threads have names of their own, in every shape of
 * {@link Programs.Way} (named pool threads, a leader that exits first, a leader that renames
 * itself, an exec from a thread), and a JVM; every thread's exit must come under its process's
 * command, as the kernel had it at the exit. Exact mode: every exit. Proc mode: the share in
 * docs/attribution.md, held to the floors below.
 */
@IntegrationTest
@Isolated("proc mode's floors are measured on an otherwise idle machine")
class CommandKernelTest {

  static final int PROCESSES = 100;

  /** Proc mode: the least share (in %) of exits under their program's name, per shape. */
  static final Map<Programs.Way, Double> PROC_FLOOR = new EnumMap<>(Map.of(
      Programs.Way.named, 99.0,
      Programs.Way.lonely, 80.0,
      Programs.Way.rename, 40.0,
      Programs.Way.exec, 40.0));

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  /** One exit as the agent attributed it: the thread's own name and the command it was given. */
  record Seen(String thread, String command, CommandSource source, long pid, long tgid, int acFlag) {}

  private static Attributor start(AttributionMode mode) throws Exception {
    return AttributionModes.start(mode, CgroupMounts.of(HostRoot.real()));
  }

  @ParameterizedTest(name = "{0} mode (exit hook over {1}), CPU hogs: {2}")
  @MethodSource("io.fleetacct.agent.testing.AttributionModes#withAndWithoutHogs")
  void everyThreadExitsUnderItsProcesssCommand(AttributionMode mode, ExitCgroupProbe.Transport transport, boolean hogs)
      throws Exception {
    String run = "c" + UUID.randomUUID().toString().substring(0, 3);
    Map<String, ConcurrentLinkedQueue<Seen>> byThread = new ConcurrentHashMap<>();
    ListenerCounters counters = new ListenerCounters();
    List<String> report = new ArrayList<>();
    try (Attributor attributor = AttributionModes.start(mode, transport, CgroupMounts.of(HostRoot.real()));
         ExitListener listener = ExitListener.start(ExitListener.Options.perCpu(CpuList.possible(HostRoot.real())),
             (exit, at, socket, missed) -> {
               Command c = attributor.attribute(exit).command(); // every exit, as the agent does
               String own = exit.acComm();
               if (own.startsWith(run)) {
                 byThread.computeIfAbsent(own, k -> new ConcurrentLinkedQueue<>())
                     .add(new Seen(own, c.name(), c.source(), exit.pid(), exit.tgid(), exit.task().getAcFlag()));
               }
             }, counters);
         AttributionModes.CpuHogs hogProcesses = AttributionModes.CpuHogs.start(hogs ? 2 : 0)) {
      for (Programs.Way way : Programs.Way.values()) {
        String prefix = run + way.name().substring(0, 2);
        Programs.Expected expected = Programs.run(way, PROCESSES, prefix);
        Map<String, Long> perThread = expected.exits().entrySet().stream().collect(
            Collectors.groupingBy(e -> e.getKey().name(), Collectors.summingLong(Map.Entry::getValue)));
        awaitExits(byThread, perThread);
        long right = 0;
        Map<CommandSource, Long> sources = new EnumMap<>(CommandSource.class);
        Map<Programs.Thread, Long> seen = new java.util.HashMap<>();
        for (String thread : perThread.keySet()) {
          List<Seen> exits = List.copyOf(byThread.getOrDefault(thread, new ConcurrentLinkedQueue<>()));
          assertThat(exits).as("exits of threads named %s (%s); those of other threads than the leader: %s", thread, way,
              exits.stream().filter(x -> x.pid() != x.tgid()).toList()).hasSize(perThread.get(thread).intValue());
          for (Seen s : exits) {
            sources.merge(s.source(), 1L, Long::sum);
            seen.merge(new Programs.Thread(s.command(), s.thread()), 1L, Long::sum);
          }
        }
        for (Map.Entry<Programs.Thread, Long> e : expected.exits().entrySet()) {
          right += Math.min(e.getValue(), seen.getOrDefault(e.getKey(), 0L));
        }
        double share = 100.0 * right / expected.totalExits();
        report.add(String.format("%-6s %5d of %5d under their program (%6.2f%%) %s", way, right,
            expected.totalExits(), share, sources));
        if (mode == AttributionMode.exact) {
          assertThat(seen).as("%s: (command, thread) of every exit in exact mode", way)
              .containsExactlyInAnyOrderEntriesOf(expected.exits());
        } else {
          assertThat(share).as("%s: %% of exits under their program in proc mode (%s)", way, report)
              .isGreaterThanOrEqualTo(PROC_FLOOR.get(way));
        }
      }
    } finally {
      System.out.printf("commands, %s mode, %s CPU hogs, %d processes per shape:%n  %s%n", mode,
          hogs ? "two" : "no", PROCESSES, String.join("\n  ", report));
    }
    assertThat(counters.kernelOverflowEvents.sum()).as("kernel overflow events").isZero();
  }

  @Test
  void everyThreadOfAJvmExitsUnderJava() throws Exception {
    Map<Long, ConcurrentLinkedQueue<Seen>> byTgid = new ConcurrentHashMap<>();
    LongAdder processEnds = new LongAdder();
    long[] child = {-1};
    ListenerCounters counters = new ListenerCounters();
    try (Attributor attributor = start(AttributionMode.exact);
         ExitListener listener = ExitListener.start(ExitListener.Options.perCpu(CpuList.possible(HostRoot.real())),
             (exit, at, socket, missed) -> {
               Command c = attributor.attribute(exit).command();
               byTgid.computeIfAbsent(exit.tgid(), k -> new ConcurrentLinkedQueue<>())
                   .add(new Seen(exit.acComm(), c.name(), c.source(), exit.pid(), exit.tgid(),
                       exit.task().getAcFlag()));
               if (exit.tgid() == child[0] && exit.endsProcess()) {
                 processEnds.increment();
               }
             }, counters)) {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process p = new ProcessBuilder(java.toString(), "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp",
          System.getProperty("java.class.path"), NamedThreads.class.getName(), "24")
          .redirectErrorStream(true).start();
      child[0] = p.pid();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as("child JVM: %s", out).isZero();
      int started = Integer.parseInt(out.trim().lines().reduce((a, b) -> b).orElseThrow().replace("threads ", ""));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (processEnds.sum() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200); // thread records of other CPUs' sockets
      List<Seen> exits = List.copyOf(byTgid.getOrDefault(p.pid(), new ConcurrentLinkedQueue<>()));
      assertThat(processEnds.sum()).as("the JVM's process end").isEqualTo(1);
      assertThat(exits.stream().filter(s -> s.thread().startsWith("pool-")).count())
          .as("its pool threads' exits").isEqualTo(started);
      assertThat(exits).as("every thread of the JVM (%d exits) under java", exits.size())
          .allSatisfy(s -> assertThat(s.command()).as("command of thread %s", s.thread()).isEqualTo("java"));
      assertThat(exits.stream().map(Seen::thread).distinct().count())
          .as("the JVM's threads have names of their own").isGreaterThan(5);
    }
  }

  private static void awaitExits(Map<String, ConcurrentLinkedQueue<Seen>> byThread, Map<String, Long> perThread)
      throws InterruptedException {
    long total = perThread.values().stream().mapToLong(Long::longValue).sum();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      long n = 0;
      for (String t : perThread.keySet()) {
        ConcurrentLinkedQueue<Seen> q = byThread.get(t);
        n += q == null ? 0 : q.size();
      }
      if (n >= total) {
        return;
      }
      Thread.sleep(20);
    }
  }
}
