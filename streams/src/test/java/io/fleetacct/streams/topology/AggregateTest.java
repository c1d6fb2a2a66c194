package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.topology.DelaySketches.Observation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The working form: totals and sketches merge and subtract exactly; merged sketches stay near their compact size. */
class AggregateTest {

  private static final int EXITS = Totals.position("exits");
  private static final double[] QUANTILES = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0};

  /** The same observations: the same count and the same value at every quantile, for every observation. */
  static void assertSameDistributions(DelaySketches actual, DelaySketches expected) {
    for (Observation o : Observation.all()) {
      assertThat(actual.count(o)).as("count of %s", o.name()).isEqualTo(expected.count(o));
      for (double q : QUANTILES) {
        assertThat((Object) actual.quantile(o, q)).as("%s at %s", o.name(), q).isEqualTo(expected.quantile(o, q));
      }
    }
  }

  private static TaskStats task(SplittableRandom r) {
    TaskStats t = SampleRecords.fullTaskStats();
    t.setVersion(r.nextInt(4) == 0 ? 15 : 17);
    t.setCpuCount(r.nextInt(10));
    t.setCpuDelayTotal(r.nextInt(3) == 0 ? 0 : r.nextLong(1, 50_000_000));
    t.setCpuDelayMax(r.nextLong(1, 50_000_000));
    t.setBlkioCount(r.nextInt(3) == 0 ? 1 + r.nextInt(5) : 0);
    t.setBlkioDelayTotal(r.nextLong(1, 900_000_000));
    return t;
  }

  private static Aggregate exit(TaskStats t) {
    long[] totals = Totals.empty();
    totals[EXITS] = 1;
    return Aggregate.of(totals, DelaySketches.encodeOf(t));
  }

  @Test
  void exitsMergedOneByOneKeepEveryObservationInAboutTwiceTheCompactSize() {
    SplittableRandom r = new SplittableRandom(1);
    Aggregate a = Aggregate.empty();
    DelaySketches direct = new DelaySketches();
    int largest = 0;
    for (int i = 0; i < 5_000; i++) {
      TaskStats t = task(r);
      a = Aggregate.merge(a, exit(t));
      direct.merge(DelaySketches.of(t));
      largest = Math.max(largest, a.sketchBytes().length);
    }
    assertThat(a.totals()[EXITS]).isEqualTo(5_000);
    assertSameDistributions(a.sketches(), direct);
    int compact = direct.encode().length;
    assertThat(largest).as("compact form %s bytes", compact).isLessThanOrEqualTo(2 * compact + 1_024);
  }

  @Test
  void theDeltasOfSuccessiveStatesAddUpToTheLastWhetherOrNotItWasCompactedBetween() {
    SplittableRandom r = new SplittableRandom(2);
    Aggregate window = Aggregate.empty();
    Aggregate previous = null;
    Aggregate rollup = Aggregate.empty();
    int appendedOnly = 0;
    int compactedBetween = 0;
    for (int change = 0; change < 300; change++) {
      int before = window.compacted();
      for (int n = 1 + r.nextInt(12); n > 0; n--) {
        window = Aggregate.merge(window, exit(task(r)));
      }
      if (previous != null) {
        if (window.compacted() == before) {
          appendedOnly++;
        } else {
          compactedBetween++;
        }
      }
      rollup = Aggregate.merge(rollup, Aggregate.delta(window, previous));
      previous = window.copy();
    }
    assertThat(appendedOnly).as("states that only appended").isPositive();
    assertThat(compactedBetween).as("states compacted since the last").isPositive();
    assertThat(rollup.totals()).containsExactly(window.totals());
    assertSameDistributions(rollup.sketches(), window.sketches());
  }

  @Test
  void emptyAggregatesAddNothing() {
    Aggregate a = exit(SampleRecords.fullTaskStats());
    byte[] before = a.sketchBytes();
    Aggregate merged = Aggregate.merge(a, Aggregate.empty());
    assertThat(merged.sketchBytes()).isEqualTo(before);
    assertThat(merged.totals()[EXITS]).isEqualTo(1);
  }
}
