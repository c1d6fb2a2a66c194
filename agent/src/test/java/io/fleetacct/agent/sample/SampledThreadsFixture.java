package io.fleetacct.agent.sample;

/** Figures published for threads, as a sample would leave them: for tests of what exits carry. */
public final class SampledThreadsFixture {

  private SampledThreadsFixture() {}

  /** Thread {@code tid} (started at {@code btime}) was sampled with every total {@code base + i}. */
  public static void published(SampledThreads sampled, long tid, long btime, long base) {
    long[] totals = new long[SampledThreads.FIELDS.size()];
    for (int i = 0; i < totals.length; i++) {
      totals[i] = base + i;
    }
    sampled.install(tid, new SampledThreads.Published(btime, totals, new long[SampledThreads.MAX_FIELDS.size()]));
  }
}
