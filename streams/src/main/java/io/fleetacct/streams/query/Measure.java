package io.fleetacct.streams.query;

import io.fleetacct.schema.DelayTotals;
import io.fleetacct.streams.topology.Totals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.apache.avro.Schema;

/**
 * What a ranking orders by ({@code by=}): an additive totals field, or the average delay per event
 * of one delay kind ({@code cpu_delay_avg} = {@code cpu_delay_total} / {@code cpu_count}), which is
 * what compares cgroups of different sizes. Largest first; keys without events of that kind have
 * no average and come last.
 */
sealed interface Measure {

  String name();

  /** Largest first. */
  Comparator<long[]> order();

  /** A totals field: the sums, and the max and min of single delays. */
  record Field(String name, int position) implements Measure {
    @Override
    public Comparator<long[]> order() {
      return Comparator.comparingLong((long[] t) -> t[position]).reversed();
    }
  }

  /** {@code <kind>_delay_total / <kind>_count}, in ns. */
  record Average(String name, int total, int count) implements Measure {
    /** The average, or NaN without events. */
    double of(long[] t) {
      return t[count] == 0 ? Double.NaN : (double) t[total] / t[count];
    }

    @Override
    public Comparator<long[]> order() {
      return Comparator.comparingDouble((long[] t) -> t[count] == 0 ? Double.NEGATIVE_INFINITY : of(t)).reversed();
    }
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

  /** Every accepted {@code by}, sorted: the numeric DelayTotals fields and the averages. */
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

  static Measure parse(String by) throws BadRequest {
    if (by.endsWith("_delay_avg")) {
      String kind = by.substring(0, by.length() - "_delay_avg".length());
      if (DELAY_KINDS.contains(kind)) {
        return new Average(by, Totals.position(kind + "_delay_total"), Totals.position(kind + "_count"));
      }
    } else if (names().contains(by)) {
      return new Field(by, Totals.position(by));
    }
    throw BadRequest.badParameter("by=" + by + " is not a totals field or an average; one of "
        + String.join(", ", names()));
  }
}
