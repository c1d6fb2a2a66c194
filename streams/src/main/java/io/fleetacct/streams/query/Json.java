package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.json.RecordJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.IndexedRecord;

/** The query API's JSON: kernel field names, ISO-8601 times. */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** A totals body: key, then every DelayTotals field under its own name. */
  static ObjectNode totals(Object key, DelayTotals t) {
    ObjectNode o = MAPPER.createObjectNode();
    o.set("key", MAPPER.valueToTree(key));
    fields(t, o);
    return o;
  }

  static ObjectNode window(Instant start, Instant end, DelayTotals t) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("start", start.toString());
    o.put("end", end.toString());
    fields(t, o);
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

  static ObjectNode error(String message) {
    return MAPPER.createObjectNode().put("error", message);
  }
}
