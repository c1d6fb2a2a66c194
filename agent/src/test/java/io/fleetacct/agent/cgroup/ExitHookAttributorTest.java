package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.TestExits;
import io.fleetacct.schema.TaskStats;
import org.junit.jupiter.api.Test;

/** The rule that tells an exit's own exit-hook entry from one left by an earlier owner of its thread id. */
class ExitHookAttributorTest {


  @Test
  void theEarliestEntryIsAQuarterSecondBeforeTheSecondOfTheExit() {
    // Exit at wall 1000.7 s: started 2.5 s earlier, at 998.2, so btime 998 and 2 whole seconds of etime.
    long wallNow = 1_000_700;    // ms
    long monoNow = 50_000_000_000L; // ns
    long earliest = ExitHookAttributor.earliestEntryNanos(998, 2_500_000, wallNow, monoNow);
    long monoAtSecond1000 = monoNow - 700_000_000L;
    assertThat(earliest).isEqualTo(monoAtSecond1000 - 250_000_000L);
  }

  @Test
  void anEntryFromTheExitsOwnSecondPassesAndOneFromASecondEarlierDoesNot() {
    long wallNow = 1_000_950;
    long monoNow = 50_000_000_000L;
    long earliest = ExitHookAttributor.earliestEntryNanos(1_000, 400_000, wallNow, monoNow);
    long exitedAt = monoNow - 100_000_000L; // written at the exit, 0.1 s before it was taken
    assertThat(exitedAt).isGreaterThanOrEqualTo(earliest);
    long earlierOwner = monoNow - 1_300_000_000L;
    assertThat(earlierOwner).isLessThan(earliest);
  }

  @Test
  void olderKernelsWithoutBtime64UseTheThirtyTwoBitField() {
    TaskStats t = TaskStats.newBuilder().setVersion(17).build();
    t.setAcBtime(1_000); // ac_btime64 0
    ExitNotification exit = TestExits.of(1, 7, t, 7, null);
    assertThat(exit.acBtime()).isEqualTo(1_000);
    assertThat(ExitHookAttributor.earliestEntryNanos(exit.acBtime(), exit.acEtime(), 1_000_000, 7_000_000_000L))
        .isEqualTo(6_750_000_000L);
  }
}
