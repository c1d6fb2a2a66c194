package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cgroup.Attribution;
import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.TestCgroup;
import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real kernel: our own processes exit in known ways, and every exit arrives exactly right. */
@IntegrationTest
class ExitListenerKernelTest {

  private static final int PROCESSES = 2_000;

  record Received(ExitNotification exit, Attribution where) {}

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void twoThousandProcessesArriveWithTheirStatusFlagsThreadsAndCgroup() throws Exception {
    String prefix = "fa" + UUID.randomUUID().toString().substring(0, 4);
    ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    ListenerCounters counters = new ListenerCounters();
    List<Workload.Child> children;
    try (TestCgroup cgroup = TestCgroup.create();
         Attributor attributor = AttributionMode.auto.start(HostRoot.real(), CgroupMounts.of(HostRoot.real()),
             HostIdentity.detect(null, HostRoot.real()).kernelRelease(), null);
         ExitListener listener = ExitListener.start(ExitListener.Options.defaults(CpuList.possible(HostRoot.real())),
             (exit, at, socket, missed) -> received.add(new Received(exit.copy(), attributor.attribute(exit).cgroup())), counters)) {
      children = Workload.run(PROCESSES, prefix, cgroup.procsFile());
      Set<Long> pids = children.stream().map(Workload.Child::pid).collect(Collectors.toSet());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.stream().filter(r -> r.exit().endsProcess() && pids.contains(r.exit().tgid())).count() < PROCESSES
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      listener.close();

      assertThat(counters.kernelOverflowEvents.sum()).as("kernel overflow events").isZero();
      assertThat(counters.decodeErrors()).as("decode errors").isZero();
      assertThat(children).hasSize(PROCESSES);

      Map<Long, List<Received>> byProcess = received.stream()
          .filter(r -> pids.contains(r.exit().tgid()))
          .collect(Collectors.groupingBy(r -> r.exit().tgid()));
      assertThat(byProcess).hasSize(PROCESSES);
      for (Workload.Child child : children) {
        List<Received> records = byProcess.get(child.pid());
        assertThat(records).as("exits of %s", child).hasSize(child.threads() + 1);
        List<Received> last = records.stream().filter(r -> r.exit().endsProcess()).toList();
        assertThat(last).as("whole-process exits of %s", child).hasSize(1);
        ExitNotification exit = last.get(0).exit();
        TaskStats task = exit.task();
        assertThat(task.getAcComm()).isEqualTo(child.comm());
        assertThat(task.getAcExitcode()).as("exit status of %s", child).isEqualTo(child.status());
        int signalled = child.kind().equals("term") || child.kind().equals("kill") ? AcFlag.AXSIG : 0;
        assertThat(task.getAcFlag()).as("ac_flag of %s", child)
            .isEqualTo(AcFlag.AFORK | AcFlag.AGROUP | signalled);
        assertThat(exit.pid()).isEqualTo(child.pid());
        for (Received r : records) {
          assertThat(r.where().cgroup()).as("attribution of %s", r.exit().pid()).isNotNull();
          assertThat(r.where().cgroup().path()).isEqualTo(cgroup.path());
        }
        if (child.threads() == 0) {
          assertThat(exit.threadGroup()).isNull();
        } else {
          assertThreadGroupIsTheSumOfItsThreads(exit.threadGroup(), records);
        }
      }
    }
  }

  private static void assertThreadGroupIsTheSumOfItsThreads(TaskStats group, List<Received> records) {
    assertThat(group).isNotNull();
    List<TaskStats> threads = records.stream().map(r -> r.exit().task()).toList();
    assertThat(group.getCpuCount()).isEqualTo(threads.stream().mapToLong(TaskStats::getCpuCount).sum());
    assertThat(group.getBlkioCount()).isEqualTo(threads.stream().mapToLong(TaskStats::getBlkioCount).sum());
    assertThat(group.getCpuDelayTotal()).isEqualTo(threads.stream().mapToLong(TaskStats::getCpuDelayTotal).sum());
    // Not cpu_run_*: the kernel reads run times afresh for the thread's record and again for the
    // group's, so they disagree by whatever ran in between (seen both ways on 6.18).
    assertThat(group.getBlkioDelayTotal()).isEqualTo(threads.stream().mapToLong(TaskStats::getBlkioDelayTotal).sum());
    assertThat(group.getSwapinDelayTotal()).isEqualTo(threads.stream().mapToLong(TaskStats::getSwapinDelayTotal).sum());
    assertThat(group.getFreepagesDelayTotal())
        .isEqualTo(threads.stream().mapToLong(TaskStats::getFreepagesDelayTotal).sum());
    assertThat(group.getWpcopyDelayTotal()).isEqualTo(threads.stream().mapToLong(TaskStats::getWpcopyDelayTotal).sum());
    assertThat(group.getIrqDelayTotal()).isEqualTo(threads.stream().mapToLong(TaskStats::getIrqDelayTotal).sum());
  }
}
