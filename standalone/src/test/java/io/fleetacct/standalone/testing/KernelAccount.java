package io.fleetacct.standalone.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.publish.SequenceJournal;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.agent.taskstats.ListenerCounters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The kernel's own account of a test, by a listener of the test's (one socket per CPU, registered
 * before the agent and after it): every exit notification's number on every CPU, and the
 * workload's exits in full.
 *
 * <p>The kernel numbers exit notifications per CPU (nlmsg_seq), one counter shared by all
 * listeners; with one socket per CPU this listener sees every number, so "what the kernel
 * announced while the agent was in charge" is the numbers from the first the agent journalled to
 * the last, on each CPU.
 */
public final class KernelAccount implements AutoCloseable {

  private final List<List<Long>> kernelSeqs = new ArrayList<>();
  private final ConcurrentLinkedQueue<TaskStats> workloadExits = new ConcurrentLinkedQueue<>();
  private final ListenerCounters counters = new ListenerCounters();
  private final ExitListener listener;

  private KernelAccount(String workloadPrefix) throws Exception {
    CpuList cpus = CpuList.possible(HostRoot.real());
    for (int i = 0; i < cpus.size(); i++) {
      kernelSeqs.add(new ArrayList<>());
    }
    listener = ExitListener.start(new ExitListener.Options(cpus, cpus.size(), 32 << 20, Duration.ofMillis(5)),
        (exit, at, socket, missed) -> {
          synchronized (kernelSeqs.get(socket)) {
            kernelSeqs.get(socket).add(exit.kernelSeq());
          }
          if (exit.acComm().startsWith(workloadPrefix)) {
            workloadExits.add(exit.task());
          }
        }, counters);
  }

  /** Registers; the workload is every task whose command starts with {@code workloadPrefix}. */
  public static KernelAccount start(String workloadPrefix) throws Exception {
    return new KernelAccount(workloadPrefix);
  }

  /** The workload's exits, as the kernel reported them. */
  public List<TaskStats> workloadExits() {
    return List.copyOf(workloadExits);
  }

  /** Notifications this account missed itself (ENOBUFS events and sequence gaps); 0 when it can judge. */
  public long missed() {
    return counters.kernelOverflowEvents.sum() + counters.kernelSequenceGaps.sum();
  }

  /**
   * The exits the kernel announced from the first the agent journalled (in {@code spoolDir}) to the
   * last, on every CPU; fails if this account missed any itself (else it cannot judge).
   */
  public long announcedWhileJournalled(Path spoolDir) throws IOException {
    assertThat(missed()).as("the test's own listener missed nothing (else it cannot judge)").isZero();
    SequenceJournal.Previous journal = SequenceJournal.Previous.read(spoolDir.resolve("sequence.journal"),
        Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim());
    assertThat(journal).as("the agent's sequence journal").isNotNull();
    long produced = 0;
    for (int s = 0; s < kernelSeqs.size(); s++) {
      long first = journal.first()[s];
      long last = journal.lastKernelSeq()[s];
      if (first < 0) {
        continue; // no exit on that CPU while the agent ran
      }
      List<Long> seen;
      synchronized (kernelSeqs.get(s)) {
        seen = kernelSeqs.get(s).stream().filter(q -> q >= first && q <= last).toList();
      }
      assertThat(seen).as("the test saw every number on socket %d from %d to %d", s, first, last)
          .hasSize((int) (last - first + 1));
      produced += seen.size();
    }
    return produced;
  }

  @Override
  public void close() {
    listener.close();
  }
}
