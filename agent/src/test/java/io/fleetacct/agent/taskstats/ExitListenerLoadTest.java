package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.cgroup.CgroupTracker;
import io.fleetacct.agent.cgroup.ProcCgroup;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.TestCgroup;
import io.fleetacct.agent.testing.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real kernel under load: attribution while CPUs are busy, and no drops at full exit rate. */
class ExitListenerLoadTest {

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void forkStormUnderCpuHogsIsAttributedToItsCgroup() throws Exception {
    int processes = 5_000;
    String prefix = "fs" + UUID.randomUUID().toString().substring(0, 4);
    Map<Long, String> cgroupOfProcess = new ConcurrentHashMap<>();
    List<Process> hogs = new ArrayList<>();
    try (TestCgroup cgroup = TestCgroup.create();
         CgroupTracker tracker = new CgroupTracker(ProcCgroup.forHost(CgroupMounts.fromProc()), 1 << 20,
             Duration.ofSeconds(30)).start();
         ExitListener listener = ExitListener.start(ExitListener.Options.defaults(CpuList.possible()),
             (exit, at, socket, missed) -> {
               CgroupTracker.Attribution a = tracker.attribute(exit.tgid(), exit.task().getAcPpid(), exit.endsProcess());
               if (exit.endsProcess()) {
                 cgroupOfProcess.put(exit.tgid(), a == null ? "(none)" : a.cgroup());
               }
             }, new ListenerCounters())) {
      for (int i = 0; i < 2; i++) {
        hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
      }
      List<Workload.Child> children = Workload.run(processes, prefix, cgroup.procsFile());
      Set<Long> pids = children.stream().map(Workload.Child::pid).collect(Collectors.toSet());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!cgroupOfProcess.keySet().containsAll(pids) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      hogs.forEach(Process::destroyForcibly);
      long right = pids.stream().filter(p -> cgroup.path().equals(cgroupOfProcess.get(p))).count();
      CgroupTracker.Counters c = tracker.counters();
      System.out.printf("attribution under 2 CPU hogs: %d of %d right (%.3f%%); from map %d, /proc %d, parent %d,"
              + " misses %d%n", right, processes, 100.0 * right / processes, c.fromMap.sum(), c.fromProc.sum(),
          c.fromParent.sum(), c.misses.sum());
      assertThat(pids).hasSize(processes);
      assertThat(right).as("exits attributed to the test cgroup").isGreaterThanOrEqualTo(processes * 999L / 1000);
    } finally {
      hogs.forEach(Process::destroyForcibly);
    }
  }

  @Test
  void sixtySecondsOfTwoForkLoopsLoseNothing() throws Exception {
    String prefix = "nd" + UUID.randomUUID().toString().substring(0, 4);
    LongAdder processExits = new LongAdder();
    LongAdder allExits = new LongAdder();
    ListenerCounters counters = new ListenerCounters();
    CpuList cpus = CpuList.possible();
    // One socket per CPU, so that the kernel's per-CPU sequence numbers reveal any loss.
    ExitListener.Options options = new ExitListener.Options(cpus, cpus.size(), 8 * 1024 * 1024, Duration.ofMillis(10));
    long forked;
    long seconds = Long.getLong("fleetacct.load.seconds", 60);
    long started = System.nanoTime();
    try (ExitListener listener = ExitListener.start(options, (exit, at, socket, missed) -> {
      if (exit.task().getAcComm().startsWith(prefix + "-")) {
        allExits.increment();
        if (exit.endsProcess()) {
          processExits.increment();
        }
      }
    }, counters)) {
      Process a = Workload.startFor(seconds, prefix);
      Process b = Workload.startFor(seconds, prefix);
      forked = Workload.total(a) + Workload.total(b);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (processExits.sum() < forked && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    System.out.printf("no-drop run: %d processes (%d exit notifications) in %.1f s, %.0f exits/s; overflow events %d,"
            + " sequence gaps %d, decode errors %d%n", forked, allExits.sum(), elapsed, allExits.sum() / elapsed,
        counters.kernelOverflowEvents.sum(), counters.kernelSequenceGaps.sum(), counters.decodeErrors());
    assertThat(counters.kernelOverflowEvents.sum()).as("kernel overflow events").isZero();
    assertThat(counters.kernelSequenceGaps.sum()).as("messages missing from per-CPU sequences").isZero();
    assertThat(counters.decodeErrors()).isZero();
    assertThat(processExits.sum()).as("whole-process exits received").isEqualTo(forked);
  }
}
