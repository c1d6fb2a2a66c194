package io.fleetacct.benchmarks.sketch;

import java.util.Arrays;

/**
 * Size and accuracy of the two candidate sketches (issue 32) for one key's window of 1 minute,
 * 1 hour and 24 hours of exits (60-minute sketches merged from their serialized forms, as a ranged
 * query merges stored windows): bytes serialized, and the largest relative error of p50, p90, p99
 * and p99.9 against the exact quantiles of the same values. Merge cost: {@link SketchMergeBenchmark}.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.sketch.SketchChoice
 * [exits per minute]} (default 1,000).
 */
public final class SketchChoice {

  private static final double[] QS = {0.5, 0.9, 0.99, 0.999};

  public static void main(String[] args) {
    int perMinute = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    System.out.printf("%-14s %9s %10s %12s %14s%n", "sketch", "range", "exits", "bytes", "max rel. error");
    for (Candidate c : Candidate.values()) {
      for (int minutes : new int[] {1, 60, 1440}) {
        DelayValues values = new DelayValues(32);
        long[] exact = new long[perMinute * minutes];
        Object range = c.create();
        for (int m = 0; m < minutes; m++) {
          Object minute = c.create();
          for (int i = 0; i < perMinute; i++) {
            long v = values.next();
            exact[m * perMinute + i] = v;
            c.add(minute, v);
          }
          c.mergeEncoded(range, c.encode(minute));
        }
        Arrays.sort(exact);
        double worst = 0;
        for (double q : QS) {
          long truth = exact[c.rank(q, exact.length)];
          double got = c.quantile(range, q);
          worst = Math.max(worst, truth == 0 ? got : Math.abs(got - truth) / truth);
        }
        System.out.printf("%-14s %7d m %10d %12d %13.2f%%%n", c.name().toLowerCase(), minutes, exact.length,
            c.encode(range).length, worst * 100);
      }
    }
  }
}
