package io.fleetacct.streams.query;

import io.fleetacct.schema.DelayTotals;
import io.fleetacct.streams.topology.Aggregate;
import io.fleetacct.streams.topology.DelaySketches;
import io.fleetacct.streams.topology.Totals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BinaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * What a ranking orders by ({@code by=}): an additive totals field; the average delay per event of
 * one delay kind ({@code cpu_delay_avg} = {@code cpu_delay_total} / {@code cpu_count}), which is
 * what compares cgroups of different sizes; or a quantile of a delay observation over the key's
 * exits ({@code p99(cpu_delay_avg)}: {@link DelaySketches}), which is what finds the tail. Largest
 * first; keys without events of that kind have no average or quantile and come last.
 */
sealed interface Measure {

  String name();

  /** Largest first. */
  Comparator<Ranking.Row> order();

  /** What a ranked row carries beside its totals: this measure's quantile, or NaN for the others. */
  default double quantileOf(Aggregate a) {
    return Double.NaN;
  }

  /** How a ranging ranking adds a key's buckets: totals only, unless the measure reads the sketches. */
  default BinaryOperator<Aggregate> merge() {
    return Aggregate::mergeTotals;
  }

  /** A totals field: the sums, and the max and min of single delays. */
  record Field(String name, int position) implements Measure {
    @Override
    public Comparator<Ranking.Row> order() {
      return Comparator.comparingLong((Ranking.Row r) -> r.totals()[position]).reversed();
    }
  }

  /** {@code <kind>_delay_total / <kind>_count}, in ns. */
  record Average(String name, int total, int count) implements Measure {
    /** The average, or NaN without events. */
    double of(long[] t) {
      return t[count] == 0 ? Double.NaN : (double) t[total] / t[count];
    }

    @Override
    public Comparator<Ranking.Row> order() {
      return Comparator.comparingDouble((Ranking.Row r) -> orNegativeInfinity(of(r.totals()))).reversed();
    }
  }

  /** The {@code q}-quantile of an observation over the key's exits, in ns ({@code p99(cpu_delay_avg)}). */
  record Quantile(String name, DelaySketches.Observation of, double q) implements Measure {
    @Override
    public double quantileOf(Aggregate a) {
      return DelaySketches.quantileOf(a.sketchBytes(), of, q);
    }

    @Override
    public BinaryOperator<Aggregate> merge() {
      return Aggregate::mergeToRead;
    }

    @Override
    public Comparator<Ranking.Row> order() {
      return Comparator.comparingDouble((Ranking.Row r) -> orNegativeInfinity(r.quantile())).reversed();
    }
  }

  private static double orNegativeInfinity(double v) {
    return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
  }

  /** The delay kinds: every {@code <kind>_delay_total} that has a {@code <kind>_count}. */
  List<String> DELAY_KINDS = delayKinds();

  private static List<String> delayKinds() {
    List<String> kinds = new ArrayList<>();
    for (Schema.Field f : DelayTotals.getClassSchema().getFields()) {
      if (f.name().endsWith("_delay_total")) {
        String kind = f.name().substring(0, f.name().length() - "_delay_total".length());
        if (Totals.position(kind + "_count") >= 0) {
          kinds.add(kind);
        }
      }
    }
    return List.copyOf(kinds);
  }

  /** Every accepted {@code by} but the quantiles, sorted: the numeric DelayTotals fields and the averages. */
  static TreeSet<String> names() {
    TreeSet<String> names = new TreeSet<>();
    for (Schema.Field f : DelayTotals.getClassSchema().getFields()) {
      if (f.schema().getType() == Schema.Type.LONG && f.schema().getLogicalType() == null) {
        names.add(f.name());
      }
    }
    DELAY_KINDS.forEach(k -> names.add(k + "_delay_avg"));
    return names;
  }

  /** {@code p50(...)}, {@code p99(...)}, {@code p999(...)}: the digits after "0." of the quantile. */
  Pattern QUANTILE = Pattern.compile("p([0-9]{1,4})\\((.*)\\)");

  static Measure parse(String by) throws BadRequest {
    Matcher m = QUANTILE.matcher(by);
    if (m.matches()) {
      double q = Double.parseDouble("0." + m.group(1));
      if (q == 0) {
        throw BadRequest.badParameter("by=" + by + ": a quantile must be above 0 (p50, p90, p99, p999 ...)");
      }
      return new Quantile(by, observation(m.group(2), "by=" + by), q);
    }
    if (by.endsWith("_delay_avg")) {
      String kind = by.substring(0, by.length() - "_delay_avg".length());
      if (DELAY_KINDS.contains(kind)) {
        return new Average(by, Totals.position(kind + "_delay_total"), Totals.position(kind + "_count"));
      }
    } else if (names().contains(by)) {
      return new Field(by, Totals.position(by));
    }
    throw BadRequest.badParameter("by=" + by + " is not a totals field, an average or a quantile; one of "
        + String.join(", ", names()) + ", or pNN(observation) such as p99(cpu_delay_avg)");
  }

  /** A delay observation by name ({@code cpu_delay_avg}, {@code blkio_delay_max} ...); {@code what} names the parameter. */
  static DelaySketches.Observation observation(String name, String what) throws BadRequest {
    DelaySketches.Observation o = DelaySketches.Observation.named(name);
    if (o == null) {
      throw BadRequest.badParameter(what + ": " + name + " is not a delay observation; one of "
          + String.join(", ", DelaySketches.Observation.all().stream().map(DelaySketches.Observation::name).toList()));
    }
    return o;
  }
}
