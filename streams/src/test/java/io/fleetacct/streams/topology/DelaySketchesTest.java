package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.topology.DelaySketches.Observation;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DelaySketchesTest {

  private static final Observation CPU_AVG = Observation.named("cpu_delay_avg");
  private static final Observation CPU_MAX = Observation.named("cpu_delay_max");
  private static final Observation BLKIO_AVG = Observation.named("blkio_delay_avg");

  private static TaskStats task(int version, long cpuCount, long cpuDelayTotal, long cpuDelayMax) {
    TaskStats t = SampleRecords.fullTaskStats();
    t.setVersion(version);
    t.setCpuCount(cpuCount);
    t.setCpuDelayTotal(cpuDelayTotal);
    t.setCpuDelayMax(cpuDelayMax);
    t.setBlkioCount(0L);
    t.setBlkioDelayTotal(0L);
    return t;
  }

  @Test
  void anExitObservesItsAverageWaitPerEventAndItsLongestWaitOfEachKindItHadEventsOf() {
    DelaySketches d = DelaySketches.of(task(17, 4, 4_000, 2_500));
    assertThat(d.count(CPU_AVG)).isEqualTo(1);
    assertThat(d.quantile(CPU_AVG, 0.5)).isCloseTo(1_000, within(10.0));
    assertThat(d.quantile(CPU_MAX, 0.5)).isCloseTo(2_500, within(25.0));
    assertThat(d.count(BLKIO_AVG)).as("no block IO event: no observation").isZero();
    assertThat(d.quantile(BLKIO_AVG, 0.5)).isNaN();
  }

  @Test
  void structsBeforeVersion16HaveNoMaximumToObserve() {
    DelaySketches d = DelaySketches.of(task(15, 4, 4_000, 0));
    assertThat(d.count(CPU_AVG)).isEqualTo(1);
    assertThat(d.count(CPU_MAX)).isZero();
  }

  @Test
  void aThreadThatRanWithoutWaitingObservesZero() {
    DelaySketches d = DelaySketches.of(task(17, 3, 0, 0));
    assertThat(d.count(CPU_AVG)).isEqualTo(1);
    assertThat(d.quantile(CPU_AVG, 0.99)).isZero();
    assertThat(d.countAbove(CPU_AVG, 0)).isZero();
  }

  /** Quantiles over ranges of 1-minute sketches, each stored and read back, against the exact ones. */
  @ParameterizedTest
  @ValueSource(ints = {1, 60, 1440})
  void quantilesOfMergedStoredWindowsAreWithinOnePercentOfTheExactOnes(int minutes) {
    SplittableRandom random = new SplittableRandom(minutes);
    int perMinute = minutes == 1440 ? 50 : 500;
    double[] exact = new double[minutes * perMinute];
    DelaySketches range = new DelaySketches();
    for (int m = 0; m < minutes; m++) {
      DelaySketches minute = new DelaySketches();
      for (int i = 0; i < perMinute; i++) {
        long events = 1 + random.nextInt(50);
        long total = Math.round(events * wait(random));
        exact[m * perMinute + i] = (double) total / events;
        minute.merge(DelaySketches.of(task(17, events, total, total)));
      }
      range.merge(DelaySketches.decode(minute.encode()));
    }
    Arrays.sort(exact);
    assertThat(range.count(CPU_AVG)).isEqualTo(exact.length);
    for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
      double truth = exact[(int) Math.floor(q * (exact.length - 1))];
      assertThat(range.quantile(CPU_AVG, q)).as("q %s over %d minutes", q, minutes)
          .isCloseTo(truth, within(truth * DelaySketches.RELATIVE_ACCURACY));
    }
    double threshold = 10_000_000; // 10 ms
    long above = Arrays.stream(exact).filter(v -> v > threshold).count();
    long near = Arrays.stream(exact).filter(v -> Math.abs(v - threshold) <= threshold * 0.02).count();
    assertThat(range.countAbove(CPU_AVG, threshold)).isBetween(above - near, above + near);
  }

  /** A busy host's waits per event: mostly tens of microseconds, some near a millisecond, a tail of tens of ms. */
  private static double wait(SplittableRandom r) {
    double part = r.nextDouble();
    double median = part < 0.6 ? 20_000 : part < 0.95 ? 500_000 : 20_000_000;
    double u = 1 - r.nextDouble();
    return median * Math.exp(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
  }

  @Test
  void theStoredFormRoundTripsAndEmptySketchesTakeNoBytes() {
    DelaySketches d = DelaySketches.of(task(17, 4, 4_000, 2_500));
    DelaySketches back = DelaySketches.decode(d.encode());
    assertThat(back.encode()).isEqualTo(d.encode());
    assertThat(DelaySketches.encodeOf(task(17, 4, 4_000, 2_500))).as("the per-exit path, scratch sketches reused")
        .isEqualTo(d.encode());
    assertThat(new DelaySketches().encode()).isEmpty();
    assertThat(DelaySketches.decode(new byte[0]).isEmpty()).isTrue();
  }

  @Test
  void storedFormsConcatenateIntoTheFormOfTheirMerge() {
    DelaySketches a = DelaySketches.of(task(17, 4, 4_000, 2_500));
    DelaySketches b = DelaySketches.of(task(17, 1, 9_000_000, 9_000_000));
    byte[] ab = new byte[a.encode().length + b.encode().length];
    System.arraycopy(a.encode(), 0, ab, 0, a.encode().length);
    System.arraycopy(b.encode(), 0, ab, a.encode().length, b.encode().length);

    DelaySketches joined = DelaySketches.decode(ab);
    assertThat(joined.encode()).isEqualTo(DelaySketches.of(task(17, 4, 4_000, 2_500)).merge(b).encode());
    assertThat(joined.count(CPU_AVG)).isEqualTo(2);
    assertThat(DelaySketches.decode(ab, CPU_MAX).count(CPU_AVG)).as("only the one asked for").isZero();
    assertThat(DelaySketches.decode(ab, CPU_MAX).count(CPU_MAX)).isEqualTo(2);
  }

  @Test
  void whatALaterStateAddsIsTheDifferenceOfItsBuckets() {
    SplittableRandom random = new SplittableRandom(3);
    DelaySketches older = new DelaySketches();
    for (int i = 0; i < 300; i++) {
      older.merge(DelaySketches.of(task(17, 1 + random.nextInt(9), Math.round(wait(random)), 5)));
    }
    DelaySketches added = new DelaySketches();
    for (int i = 0; i < 200; i++) {
      added.merge(DelaySketches.of(task(i % 2 == 0 ? 17 : 15, 1 + random.nextInt(9), i % 7 == 0 ? 0 : Math.round(wait(random)), 7)));
    }
    DelaySketches newer = DelaySketches.decode(older.encode()).merge(added);

    DelaySketches delta = newer.minus(older);
    AggregateTest.assertSameDistributions(delta, added);
    AggregateTest.assertSameDistributions(DelaySketches.decode(older.encode()).merge(delta), newer);
  }

  @Test
  void malformedStoredFormsAreRefusedWithAClearError() {
    byte[] good = DelaySketches.of(task(17, 4, 4_000, 2_500)).encode();
    assertThatThrownBy(() -> DelaySketches.decode(Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("malformed");
    byte[] unknownObservation = good.clone();
    unknownObservation[0] = 99;
    assertThatThrownBy(() -> DelaySketches.decode(unknownObservation)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("observation 99");
    byte[] garbage = good.clone();
    Arrays.fill(garbage, 3, garbage.length, (byte) 0xff);
    assertThatThrownBy(() -> DelaySketches.decode(garbage)).isInstanceOf(SerializationException.class);
  }
}
