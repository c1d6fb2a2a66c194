package io.fleetacct.benchmarks.sketch;

import java.util.SplittableRandom;

/**
 * Per-exit average waits in ns shaped like a busy host's: a few threads that never waited (0), most
 * waiting tens of microseconds per run, a share near a millisecond and a tail of tens of
 * milliseconds (log-normal parts). Seeded: the same values in every run.
 */
final class DelayValues {

  private final SplittableRandom random;

  DelayValues(long seed) {
    this.random = new SplittableRandom(seed);
  }

  long next() {
    double part = random.nextDouble();
    if (part < 0.05) {
      return 0;
    }
    double median = part < 0.6 ? 20_000 : part < 0.95 ? 500_000 : 20_000_000;
    double sigma = part < 0.6 ? 1.0 : part < 0.95 ? 1.5 : 1.0;
    return Math.round(median * Math.exp(sigma * gaussian()));
  }

  private double gaussian() {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
