package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.streams.topology.Totals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Ranking's rules: the best rows by a measure, ties by key, keys without events last; exact across the wire. */
class RankingTest {

  private static long[] totals(String field, long value, String field2, long value2) {
    long[] t = Totals.empty();
    t[Totals.position(field)] = value;
    t[Totals.position(field2)] = value2;
    return t;
  }

  private static List<String> keys(List<Ranking.Row> rows) {
    return rows.stream().map(Ranking.Row::key).toList();
  }

  @Test
  void theBestLimitRowsLargestFirstTiesByKey() throws Exception {
    Measure by = Measure.parse("exits");
    List<Ranking.Row> rows = List.of(
        new Ranking.Row("d", totals("exits", 5, "cpu_count", 0), Double.NaN),
        new Ranking.Row("b", totals("exits", 9, "cpu_count", 0), Double.NaN),
        new Ranking.Row("c", totals("exits", 5, "cpu_count", 0), Double.NaN),
        new Ranking.Row("a", totals("exits", 1, "cpu_count", 0), Double.NaN),
        new Ranking.Row("e", totals("exits", 7, "cpu_count", 0), Double.NaN));

    assertThat(keys(Ranking.best(rows, by, 3))).containsExactly("b", "e", "c");
    assertThat(keys(Ranking.best(rows, by, 10))).containsExactly("b", "e", "c", "d", "a");
    assertThat(Ranking.best(rows, by, 0)).isEmpty();
  }

  @Test
  void anAverageRanksPerEventAndKeysWithoutEventsComeLast() throws Exception {
    Measure by = Measure.parse("cpu_delay_avg");
    List<Ranking.Row> rows = List.of(
        new Ranking.Row("many-small", totals("cpu_delay_total", 1_000, "cpu_count", 100), Double.NaN),  // 10 per run
        new Ranking.Row("none", totals("cpu_delay_total", 0, "cpu_count", 0), Double.NaN),
        new Ranking.Row("few-large", totals("cpu_delay_total", 600, "cpu_count", 2), Double.NaN));     // 300 per run

    List<Ranking.Row> best = Ranking.best(rows, by, 3);

    assertThat(keys(best)).containsExactly("few-large", "many-small", "none");
    var rendered = Ranking.render(best, by, Optional.empty());
    assertThat(rendered.get(0).get("cpu_delay_avg").asDouble()).isEqualTo(300.0);
    assertThat(rendered.get(2).get("cpu_delay_avg").isNull()).as("no runs, no average").isTrue();
  }

  @Test
  void theBestOfEachInstancesBestIsTheBestOfAll() throws Exception {
    // Each key lives on one instance: merging the instances' own best `limit` gives the global best.
    Random random = new Random(42);
    Measure by = Measure.parse("cpu_delay_total");
    List<Ranking.Row> all = new ArrayList<>();
    List<List<Ranking.Row>> instances = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < 3_000; i++) {
      Ranking.Row r = new Ranking.Row("k" + i, totals("cpu_delay_total", random.nextInt(500), "exits", 1), Double.NaN);
      all.add(r);
      instances.get(i % 3).add(r);
    }
    List<Ranking.Row> merged = new ArrayList<>();
    for (List<Ranking.Row> rows : instances) {
      merged.addAll(Ranking.decode(Ranking.encode(Ranking.best(rows, by, 25))));
    }

    List<Ranking.Row> expected = all.stream()
        .sorted(Comparator.comparingLong((Ranking.Row r) -> -r.totals()[Totals.position("cpu_delay_total")])
            .thenComparing(Ranking.Row::key))
        .limit(25).toList();
    List<Ranking.Row> got = Ranking.best(merged, by, 25);
    assertThat(keys(got)).isEqualTo(keys(expected));
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i).totals()).as("totals of %s after the wire", got.get(i).key())
          .isEqualTo(expected.get(i).totals());
    }
  }
}
