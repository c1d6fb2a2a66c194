package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetacct.streams.topology.Aggregate;
import io.fleetacct.streams.topology.Totals;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.BinaryOperator;

/**
 * The rows of a ranking: best first by a {@link Measure}, ties by key. Each instance ranks the keys
 * of its partitions and sends its best {@code limit} rows; since a key lives in one partition only,
 * the best {@code limit} of those is the exact answer.
 */
public final class Ranking {

  /**
   * A ranked key, its totals (working form) and, when ranked by a quantile, that quantile (else
   * NaN): an instance decides a key's quantile from the whole key, so only the value travels.
   */
  record Row(String key, long[] totals, double quantile) {

    static Row of(String key, Aggregate a, Measure by) {
      return new Row(key, a.totals(), by.quantileOf(a));
    }
  }

  private Ranking() {}

  /**
   * The rule on its own, for tools and benchmarks (RangedTopBenchmark): the best {@code limit} keys
   * of {@code sums} by {@code by} (any {@code by} the query API takes), best first.
   *
   * @throws IllegalArgumentException for a {@code by} the query API would refuse
   */
  public static List<String> bestKeys(Map<String, Aggregate> sums, String by, int limit) {
    Measure measure;
    try {
      measure = Measure.parse(by);
    } catch (BadRequest e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    List<Row> rows = new ArrayList<>(sums.size());
    sums.forEach((k, a) -> rows.add(Row.of(k, a, measure)));
    return best(rows, measure, limit).stream().map(Row::key).toList();
  }

  /** How a ranging ranking by {@code by} adds a key's buckets, for tools and benchmarks (as {@link #bestKeys}). */
  public static BinaryOperator<Aggregate> merge(String by) {
    try {
      return Measure.parse(by).merge();
    } catch (BadRequest e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  static List<Row> best(Collection<Row> rows, Measure by, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    Comparator<Row> order = by.order().thenComparing(Row::key);
    // The best `limit` of many keys: a bounded heap whose head is the worst kept, not a full sort.
    PriorityQueue<Row> kept = new PriorityQueue<>(Math.min(limit, rows.size()) + 1, order.reversed());
    for (Row r : rows) {
      if (kept.size() < limit) {
        kept.add(r);
      } else if (order.compare(r, kept.peek()) < 0) {
        kept.poll();
        kept.add(r);
      }
    }
    List<Row> out = new ArrayList<>(kept);
    out.sort(order);
    return out;
  }

  /** Between instances: each row's key, its totals as the working form's longs (exact, small) and its quantile. */
  static ArrayNode encode(List<Row> rows) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Row r : rows) {
      ObjectNode o = out.addObject();
      o.put("key", r.key());
      ArrayNode t = o.putArray("totals");
      for (long v : r.totals()) {
        t.add(v);
      }
      if (!Double.isNaN(r.quantile())) {
        o.put("quantile", r.quantile());
      }
    }
    return out;
  }

  static List<Row> decode(JsonNode rows) {
    List<Row> out = new ArrayList<>();
    for (JsonNode r : rows) {
      long[] t = Totals.empty();
      JsonNode values = r.get("totals");
      for (int i = 0; i < Math.min(t.length, values.size()); i++) {
        t[i] = values.get(i).asLong();
      }
      JsonNode q = r.get("quantile");
      out.add(new Row(r.get("key").asText(), t, q == null ? Double.NaN : q.asDouble()));
    }
    return out;
  }

  /**
   * The answer: totals bodies best first, with the average or quantile asked for (when {@code by}
   * is one; null for a key without events of its kind) and, for a range, the range they cover.
   */
  static ArrayNode render(List<Row> rows, Measure by, Optional<Query.TimeRange> range) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Row r : rows) {
      ObjectNode o = Json.withoutDistributions(Json.totals(r.key(), Totals.toRecord(r.totals())));
      if (by instanceof Measure.Average avg) {
        Json.putAverage(o, avg.name(), avg.of(r.totals()));
      } else if (by instanceof Measure.Quantile) {
        Json.putQuantile(o, by.name(), r.quantile());
      }
      range.ifPresent(t -> o.put("from", t.from().toString()).put("to", t.to().toString()));
      out.add(o);
    }
    return out;
  }
}
