package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** The real kernel under load: no drops at full exit rate (attribution under load: AttributionKernelTest). */
@IntegrationTest
@Isolated("two fork loops at the machine's full rate: no other test may share the CPUs")
class ExitListenerLoadTest {

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void twoForkLoopsAtFullRateLoseNothing() throws Exception {
    String prefix = "nd" + UUID.randomUUID().toString().substring(0, 4);
    LongAdder processExits = new LongAdder();
    LongAdder allExits = new LongAdder();
    ListenerCounters counters = new ListenerCounters();
    CpuList cpus = CpuList.possible(HostRoot.real());
    // One socket per CPU, so that the kernel's per-CPU sequence numbers reveal any loss.
    ExitListener.Options options = ExitListener.Options.perCpu(cpus);
    long forked;
    long seconds = Long.getLong("fleetacct.load.seconds", 20);
    long started = System.nanoTime();
    try (ExitListener listener = ExitListener.start(options, (exit, at, socket, missed) -> {
      if (exit.acComm().startsWith(prefix + "-")) {
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
