package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.json.RecordJson;
import io.fleetacct.streams.topology.Totals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/** The query API's JSON: kernel field names, ISO-8601 times. */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** The DelayTotals fields past the totals: quantiles, then sketches. */
  private static final List<String> DISTRIBUTIONS = DelayTotals.getClassSchema().getFields().stream()
      .skip(Totals.SIZE).map(Schema.Field::name).toList();

  /**
   * A totals body: key, then every DelayTotals field under its own name but the sketches (bytes
   * for the warehouses; the API answers distributions at {@code .../quantiles}).
   */
  static ObjectNode totals(Object key, DelayTotals t) {
    ObjectNode o = MAPPER.createObjectNode();
    o.set("key", MAPPER.valueToTree(key));
    fields(t, o);
    return withoutSketches(o);
  }

  static ObjectNode window(Instant start, Instant end, DelayTotals t) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("start", start.toString());
    o.put("end", end.toString());
    fields(t, o);
    return withoutSketches(o);
  }

  private static ObjectNode withoutSketches(ObjectNode o) {
    o.remove(DISTRIBUTIONS.stream().filter(f -> f.endsWith("_sketch")).toList());
    return o;
  }

  /** A totals body without its distribution fields: a ranking's rows carry totals only. */
  static ObjectNode withoutDistributions(ObjectNode o) {
    o.remove(DISTRIBUTIONS);
    return o;
  }

  static ObjectNode record(IndexedRecord r) {
    ObjectNode o = MAPPER.createObjectNode();
    fields(r, o);
    return o;
  }

  /** The record's fields into {@code o}, as {@link RecordJson} writes them everywhere. */
  private static void fields(IndexedRecord r, ObjectNode o) {
    try (TokenBuffer buf = new TokenBuffer(MAPPER, false)) {
      RecordJson.write(r, buf);
      o.setAll((ObjectNode) MAPPER.readTree(buf.asParser()));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: does not happen
    }
  }

  /** An agent: its last heartbeat and what the streams side counted of its instances' sequences. */
  static ObjectNode agent(ObjectNode status, List<JsonNode> instances) {
    ObjectNode o = status.deepCopy();
    o.put("last_seen", status.path("sent_at").asText());
    long gaps = 0;
    long duplicates = 0;
    long tooOld = 0;
    long ahead = 0;
    long carriedOver = 0;
    ArrayNode list = o.putArray("instances");
    for (JsonNode p : instances) {
      list.add(p);
      gaps += p.path("gaps").asLong();
      duplicates += p.path("duplicates").asLong();
      tooOld += p.path("outside_windows_too_old").asLong();
      ahead += p.path("outside_windows_ahead").asLong();
      carriedOver += p.path("carried_over_samples").asLong();
    }
    o.put("sequence_gaps", gaps);
    o.put("duplicates_dropped", duplicates);
    o.put("outside_windows_too_old", tooOld);
    o.put("outside_windows_ahead", ahead);
    o.put("carried_over_samples", carriedOver);
    return o;
  }

  /** An average in ns as it is; null where there were no events. */
  static void putAverage(ObjectNode o, String name, double v) {
    if (Double.isNaN(v)) {
      o.putNull(name);
    } else {
      o.put(name, v);
    }
  }

  /** A quantile in whole ns (its error is 1%: fractions would say nothing); null where nothing was observed. */
  static void putQuantile(ObjectNode o, String name, double v) {
    if (Double.isNaN(v)) {
      o.putNull(name);
    } else {
      o.put(name, Math.round(v));
    }
  }

  static ObjectNode error(String message) {
    return MAPPER.createObjectNode().put("error", message);
  }
}
