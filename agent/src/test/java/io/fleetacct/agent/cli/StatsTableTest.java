package io.fleetacct.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import org.junit.jupiter.api.Test;

/** The human views, line for line: what the kernel said, and "n/a" where it says nothing. */
class StatsTableTest {

  private static final String DELAYS = """
        delay           count       total ms     avg ms     max ms     min ms
        CPU                 4          8.000      2.000      5.000      0.500
        IO                  0          0.000      0.000      0.000      0.000
        SWAP                0          0.000      0.000      0.000      0.000
        RECLAIM             0          0.000      0.000      0.000      0.000
        THRASHING           0          0.000      0.000      0.000      0.000
        COMPACT             0          0.000      0.000      0.000      0.000
        WPCOPY              0          0.000      0.000      0.000      0.000
        IRQ                 0          0.000      0.000      0.000      0.000
      """;

  private static TaskStats.Builder stats() {
    return TaskStats.newBuilder().setVersion(16).setAcUtime(1_500).setAcStime(500).setCpuRunRealTotal(2_000_000)
        .setCpuRunVirtualTotal(1_000_000).setAcEtime(3_000_000).setNvcsw(3).setNivcsw(1).setCpuCount(4)
        .setCpuDelayTotal(8_000_000).setCpuDelayMax(5_000_000).setCpuDelayMin(500_000);
  }

  @Test
  void aThreadGroupAnswerNamesTheQueriedGroupAndShowsWhatTheKernelLeftUnsetAsNotAvailable() {
    // A TGID answer: pid, tgid, comm, I/O and memory are 0 because the kernel does not fill them.
    assertThat(StatsTable.threadGroup(4242, stats().build(), "  ")).isEqualTo(
        "thread group 4242 version 16 (comm, ids, io and memory: n/a in a TGID answer)\n"
        + "  cpu user 1.500 ms system 0.500 ms, run real 2.000 ms virtual 1.000 ms, thread lifetimes 3000.000 ms,"
        + " switches 3 voluntary 1 involuntary\n"
        + "  io n/a; rss peak n/a vm peak n/a\n"
        + DELAYS);
  }

  @Test
  void aThreadsRecordShowsItsIoAndMemory() {
    TaskStats t = stats().setReadBytes(4096).setWriteBytes(8192).setCancelledWriteBytes(0).setHiwaterRss(1234)
        .setHiwaterVm(5678).build();
    assertThat(StatsTable.stats(t, "  ")).isEqualTo(
        "  cpu user 1.500 ms system 0.500 ms, run real 2.000 ms virtual 1.000 ms, wall 3000.000 ms,"
        + " switches 3 voluntary 1 involuntary\n"
        + "  io read 4096 B write 8192 B cancelled 0 B; rss peak 1234 KB vm peak 5678 KB\n"
        + DELAYS);
  }

  @Test
  void anExitIsOneLineWithOnlyTheDelayKindsItHad() {
    TaskExit e = new TaskExit();
    e.setCgroup("/system.slice/cron.service");
    e.setTask(stats().setAcComm("cron").setAcPid(42).setAcTgid(42).setAcFlag(0x20).setAcExitcode(1 << 8)
        .setBlkioDelayTotal(2_500_000).setSwapinDelayTotal(0).setIrqDelayTotal(1_000_000).build());
    TaskExit thread = new TaskExit();
    thread.setTask(stats().setAcComm("cron-w1").setAcPid(43).setAcTgid(42).build());

    assertThat(StatsTable.line(e)).isEqualTo(
        "cron                   42       42 exit 1         2.000      8.000      2.500  /system.slice/cron.service"
        + "  irq 1.000 ms\n");
    assertThat(StatsTable.line(thread)).isEqualTo(
        "cron-w1                43       42 thread         2.000      8.000      0.000  -\n");
    assertThat(StatsTable.header()).startsWith("COMMAND ").contains("CPU wait", "IO wait");
  }
}
