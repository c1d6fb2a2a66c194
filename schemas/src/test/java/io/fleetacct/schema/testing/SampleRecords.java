package io.fleetacct.schema.testing;

import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.CommandSource;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.ThreadNameDeltas;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Realistic records with every field set, for tests and benchmarks. Values come from the real
 * captures in test-fixtures/src/main/resources/io/fleetacct/testing/captures/ (docs/taskstats.md; a dd with delay accounting on), with the fields that the
 * capture leaves at 0 filled with plausible figures, so that encoded sizes are representative.
 */
public final class SampleRecords {

  private SampleRecords() {}

  private static final Map<String, Object> DD_EXIT = Map.ofEntries(
      Map.entry("version", 17), Map.entry("ac_exitcode", 0x300L), Map.entry("ac_flag", 0x20),
      Map.entry("ac_nice", -5), Map.entry("cpu_count", 700L), Map.entry("cpu_delay_total", 29535L),
      Map.entry("blkio_count", 699L), Map.entry("blkio_delay_total", 69758943L),
      Map.entry("swapin_count", 3L), Map.entry("swapin_delay_total", 1204331L),
      Map.entry("cpu_run_real_total", 7996365L), Map.entry("cpu_run_virtual_total", 18010675L),
      Map.entry("ac_comm", "dd"), Map.entry("ac_sched", 1), Map.entry("ac_uid", 1000L),
      Map.entry("ac_gid", 1000L), Map.entry("ac_pid", 15618L), Map.entry("ac_ppid", 15572L),
      Map.entry("ac_btime", 1795597621L), Map.entry("ac_etime", 88284L), Map.entry("ac_utime", 1012L),
      Map.entry("ac_stime", 7996L), Map.entry("ac_minflt", 96L), Map.entry("ac_majflt", 4L),
      Map.entry("coremem", 14774L), Map.entry("virtmem", 23176L), Map.entry("hiwater_rss", 1892L),
      Map.entry("hiwater_vm", 2968L), Map.entry("read_char", 20977664L), Map.entry("write_char", 20971520L),
      Map.entry("read_syscalls", 1024L), Map.entry("write_syscalls", 1024L),
      Map.entry("read_bytes", 23166976L), Map.entry("write_bytes", 20971520L),
      Map.entry("cancelled_write_bytes", 4096L), Map.entry("nvcsw", 699L), Map.entry("nivcsw", 12L),
      Map.entry("ac_utimescaled", 1012L), Map.entry("ac_stimescaled", 7996L),
      Map.entry("cpu_scaled_run_real_total", 7996365L), Map.entry("freepages_count", 2L),
      Map.entry("freepages_delay_total", 88211L), Map.entry("thrashing_count", 1L),
      Map.entry("thrashing_delay_total", 51234L), Map.entry("ac_btime64", 1795597621L),
      Map.entry("compact_count", 1L), Map.entry("compact_delay_total", 30112L),
      Map.entry("ac_tgid", 15618L), Map.entry("ac_tgetime", 88284L), Map.entry("ac_exe_dev", 65024L),
      Map.entry("ac_exe_inode", 260189L), Map.entry("wpcopy_count", 7L),
      Map.entry("wpcopy_delay_total", 40800L), Map.entry("irq_count", 5L),
      Map.entry("irq_delay_total", 12001L), Map.entry("cpu_delay_max", 8082L),
      Map.entry("cpu_delay_min", 2864L), Map.entry("blkio_delay_max", 4375987L),
      Map.entry("blkio_delay_min", 33339L), Map.entry("swapin_delay_max", 800112L),
      Map.entry("swapin_delay_min", 101223L), Map.entry("freepages_delay_max", 60001L),
      Map.entry("freepages_delay_min", 28210L), Map.entry("thrashing_delay_max", 51234L),
      Map.entry("thrashing_delay_min", 51234L), Map.entry("compact_delay_max", 30112L),
      Map.entry("compact_delay_min", 30112L), Map.entry("wpcopy_delay_max", 16755L),
      Map.entry("wpcopy_delay_min", 1442L), Map.entry("irq_delay_max", 4100L),
      Map.entry("irq_delay_min", 1200L));

  /** A v17 per-thread record with every field non-zero. */
  public static TaskStats fullTaskStats() {
    TaskStats stats = TaskStats.newBuilder().build();
    fill(stats, DD_EXIT);
    long sec = 1795597621L;
    for (Schema.Field f : stats.getSchema().getFields()) {
      if (f.name().endsWith("_delay_max_ts")) {
        stats.put(f.pos(), new KernelTimespec(sec, 123_456_789L + f.pos()));
      }
    }
    return stats;
  }

  /** The thread-group aggregate as the kernel sends it: delays, times and switches; ids and I/O 0. */
  public static TaskStats threadGroupAggregate() {
    TaskStats tg = TaskStats.newBuilder().build(); // all defaults: zeros
    tg.setVersion(17);
    tg.setCpuCount(2100L);
    tg.setCpuDelayTotal(91822L);
    tg.setBlkioCount(1398L);
    tg.setBlkioDelayTotal(139517886L);
    tg.setCpuRunRealTotal(23989095L);
    tg.setCpuRunVirtualTotal(54032025L);
    tg.setCpuScaledRunRealTotal(23989095L);
    tg.setAcEtime(264852L);
    tg.setAcUtime(3036L);
    tg.setAcStime(23988L);
    tg.setNvcsw(2097L);
    tg.setNivcsw(36L);
    tg.setCpuDelayMax(8082L);
    tg.setCpuDelayMin(2864L);
    tg.setBlkioDelayMax(4375987L);
    tg.setBlkioDelayMin(33339L);
    return tg;
  }

  /** A TaskExit with every field set, including a thread_group aggregate. */
  public static TaskExit fullTaskExit() {
    return TaskExit.newBuilder()
        .setHost("worker-17.dc1.example.net")
        .setBootId("3f1c2a9e-8d4b-4f0e-9a51-0c6b2d7e8f90")
        .setAgentInstance("6b0e5a1c-2f3d-4e8a-b9c7-1d2e3f4a5b6c")
        .setAgentSeq(1_234_567L)
        .setReceivedAt(Instant.ofEpochMilli(1_795_597_621_088L))
        .setKernelRelease("6.18.44-fc-v669")
        .setCgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3e4d5c_6b7a_4c8d_9e0f_1a2b3c4d5e6f.slice/"
            + "cri-containerd-4c1b9f8e7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c.scope")
        .setContainerId("4c1b9f8e7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c")
        .setPodUid("0f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f")
        .setTask(fullTaskStats())
        .setThreadGroup(threadGroupAggregate())
        .setCommand("dd")
        .setCommandSource(CommandSource.exit_hook)
        .build();
  }

  /** A single-threaded exit: no thread_group, no container. */
  public static TaskExit singleThreadedExit(long agentSeq) {
    TaskExit e = fullTaskExit();
    e.setAgentSeq(agentSeq);
    e.setThreadGroup(null);
    e.setContainerId(null);
    e.setPodUid(null);
    e.setCgroup("/system.slice/cron.service");
    return e;
  }

  /** The additive fields of {@code stats}, as a sample or an exit's {@code sampled} carries them. */
  public static TaskDeltas deltasOf(TaskStats stats) {
    TaskDeltas d = new TaskDeltas();
    for (Schema.Field f : d.getSchema().getFields()) {
      d.put(f.pos(), stats.get(stats.getSchema().getField(f.name()).pos()));
    }
    return d;
  }

  /** A TaskSample with every field set: the dd exit's totals as one live process's deltas. */
  public static TaskSample fullTaskSample() {
    TaskStats dd = fullTaskStats();
    return TaskSample.newBuilder()
        .setHost("worker-17.dc1.example.net")
        .setBootId("3f1c2a9e-8d4b-4f0e-9a51-0c6b2d7e8f90")
        .setAgentInstance("6b0e5a1c-2f3d-4e8a-b9c7-1d2e3f4a5b6c")
        .setAgentSeq(1_234_568L)
        .setSampledAt(Instant.ofEpochMilli(1_795_597_680_000L))
        .setIntervalMs(60_000L)
        .setKernelRelease("6.18.44-fc-v669")
        .setCgroup("/system.slice/postgresql.service")
        .setContainerId(null)
        .setPodUid(null)
        .setAcComm("postgres")
        .setAcTgid(812L)
        .setAcUid(106L)
        .setThreads(3)
        .setDeltas(deltasOf(dd))
        .setThreadNames(List.of(new ThreadNameDeltas("postgres", 3, deltasOf(dd))))
        .setCpuDelayMax(dd.getCpuDelayMax())
        .setBlkioDelayMax(dd.getBlkioDelayMax())
        .setHiwaterRss(dd.getHiwaterRss())
        .setHiwaterVm(dd.getHiwaterVm())
        .build();
  }

  public static AgentStatus fullAgentStatus() {
    return AgentStatus.newBuilder()
        .setHost("worker-17.dc1.example.net")
        .setBootId("3f1c2a9e-8d4b-4f0e-9a51-0c6b2d7e8f90")
        .setAgentInstance("6b0e5a1c-2f3d-4e8a-b9c7-1d2e3f4a5b6c")
        .setAgentVersion("0.1.0")
        .setStartedAt(Instant.ofEpochMilli(1_795_597_000_000L))
        .setSentAt(Instant.ofEpochMilli(1_795_597_621_000L))
        .setKernelRelease("6.18.44-fc-v669")
        .setStructVersion(16)
        .setDelayacctEnabled(true)
        .setCpus("0-1")
        .setHighestSeqSent(1_234_567L)
        .setReceived(1_234_600L)
        .setPublished(1_234_568L)
        .setSpooledRecords(32L)
        .setSpooledBytes(9_216L)
        .setDropped(1L)
        .setKernelOverflowEvents(2L)
        .setKernelSequenceGaps(17L)
        .setDecodeErrors(3L)
        .setAttributionMisses(4L)
        .setPublishErrors(5L)
        .build();
  }

  /** Every field non-zero, each with its own value (the sketches a few bytes each). */
  public static DelayTotals fullDelayTotals() {
    DelayTotals totals = new DelayTotals();
    int i = 1;
    for (Schema.Field f : totals.getSchema().getFields()) {
      if (f.name().endsWith("_sketch")) {
        totals.put(f.pos(), java.nio.ByteBuffer.wrap(new byte[] {2, (byte) i++, 7}));
      } else if (f.schema().getLogicalType() == null) {
        totals.put(f.pos(), 1_000L * i++);
      }
    }
    totals.setFirstSeen(Instant.ofEpochMilli(1_795_597_000_000L));
    totals.setLastSeen(Instant.ofEpochMilli(1_795_597_621_088L));
    return totals;
  }

  private static void fill(SpecificRecordBase record, Map<String, Object> values) {
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Schema.Field f = record.getSchema().getField(e.getKey());
      if (f == null) {
        throw new IllegalArgumentException("no field " + e.getKey() + " in " + record.getSchema().getName());
      }
      record.put(f.pos(), e.getValue());
    }
  }
}
