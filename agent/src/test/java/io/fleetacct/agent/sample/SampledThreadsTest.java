package io.fleetacct.agent.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.TaskDeltas;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where exits and the sampler meet: an exit takes what samples published for its very task (not
 * for an earlier task with the same id), and a sample never installs figures for a thread whose
 * exit was handled during its cycle, and a thread that a listing missed keeps what was published.
 */
class SampledThreadsTest {

  private static final long TID = 4242;
  private static final long BTIME = 1_764_000_000L;

  private final SampledThreads threads = new SampledThreads();

  private static SampledThreads.Published published(long btime, long value) {
    long[] totals = new long[SampledThreads.FIELDS.size()];
    Arrays.fill(totals, value);
    return new SampledThreads.Published(btime, totals, new long[SampledThreads.MAX_FIELDS.size()]);
  }

  private static long firstField(TaskDeltas d) {
    return ((Number) d.get(0)).longValue();
  }

  @Test
  void anExitTakesWhatWasPublishedForItsTaskOnceAndTheThreadIsForgotten() {
    assertThat(threads.install(TID, published(BTIME, 7))).isTrue();

    TaskDeltas sampled = threads.take(TID, BTIME + 1); // ac_btime64 read a second later: the same task
    assertThat(sampled).isNotNull();
    assertThat(firstField(sampled)).isEqualTo(7);
    assertThat(threads.take(TID, BTIME)).as("taken once").isNull();
    assertThat(threads.size()).isZero();
  }

  @Test
  void aReusedThreadIdIsAnotherTaskAndGetsNothingOfTheOldOnes() {
    threads.install(TID, published(BTIME, 7));

    assertThat(threads.take(TID, BTIME + 60)).isNull();
    assertThat(threads.get(TID, BTIME)).as("the old task's figures are gone with its id").isNull();
  }

  @Test
  void aThreadWhoseExitWasHandledDuringTheCycleIsNotInstalledByIt() {
    threads.install(TID, published(BTIME, 7));
    threads.beginCycle();
    // The sampler read the thread (figures 9), then its exit was handled, then the sampler installs.
    TaskDeltas sampled = threads.take(TID, BTIME);
    boolean installed = threads.install(TID, published(BTIME, 9));
    threads.endCycle(Set.of(TID), 0);

    assertThat(firstField(sampled)).as("the exit carries what was published before the cycle").isEqualTo(7);
    assertThat(installed).as("the sample publishes nothing for it: its exit record covers it").isFalse();
    assertThat(threads.get(TID, BTIME)).isNull();
  }

  @Test
  void aNewTaskWithTheIdOfOneThatExitedInTheCycleIsInstalled() {
    threads.beginCycle();
    threads.take(TID, BTIME);
    assertThat(threads.install(TID, published(BTIME + 30, 3))).isTrue();
    threads.endCycle(Set.of(TID), 0);
    assertThat(threads.get(TID, BTIME + 30)).isNotNull();
  }

  @Test
  void aThreadMissingFromTheListingsIsForgottenOnlyAfterTheForgetTimeAndNotOnAFailedListing() {
    long t0 = 1_000_000_000L;
    long forget = SampledThreads.FORGET_AFTER_NANOS;
    threads.install(1, published(BTIME, 1));
    threads.install(2, published(BTIME, 2));
    threads.install(3, published(BTIME, 3));

    threads.beginCycle();
    threads.endCycle(Set.of(2L, 3L), t0); // 1 unlisted from now: a skipped listing, or an exit on its way
    threads.beginCycle();
    threads.endCycle(Set.of(1L, 2L, 3L), t0 + forget / 2); // 1 listed again: its clock starts over
    threads.beginCycle();
    threads.endCycle(Set.of(2L), t0 + forget); // 1 and 3 unlisted from here
    threads.beginCycle();
    threads.endCycle(Set.of(2L), t0 + 2 * forget - 1);
    assertThat(threads.size()).as("unlisted for less than the forget time").isEqualTo(3);
    threads.beginCycle();
    threads.endCycle(null, t0 + 2 * forget); // the listing failed: nothing is known to be gone
    assertThat(threads.size()).isEqualTo(3);
    threads.beginCycle();
    threads.endCycle(Set.of(2L), t0 + 2 * forget);
    assertThat(threads.get(1, BTIME)).as("unlisted for the forget time: its exit was lost").isNull();
    assertThat(threads.get(3, BTIME)).isNull();
    assertThat(threads.get(2, BTIME)).isNotNull();
  }

  @Test
  void anExitAfterACycleThatDidNotListItsThreadStillTakesWhatWasPublished() {
    threads.install(TID, published(BTIME, 7));
    threads.beginCycle();
    threads.endCycle(Set.of(), 0); // gone from /proc, its exit record still in the socket

    TaskDeltas sampled = threads.take(TID, BTIME);
    assertThat(sampled).isNotNull();
    assertThat(firstField(sampled)).isEqualTo(7);
    assertThat(threads.size()).isZero();
  }
}
