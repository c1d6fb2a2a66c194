package io.fleetacct.schema.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * Plain JSON of a record: one object with the schema's field names, nested records as objects,
 * absent unions as null and timestamps as ISO-8601 strings. Unlike Avro's JSON encoding it has
 * no union wrappers, so {@code task.ac_comm} is just a path into it.
 */
public final class RecordJson {

  private static final JsonFactory FACTORY = new JsonFactory();

  private RecordJson() {}

  public static String toJson(IndexedRecord record) {
    StringWriter out = new StringWriter(2048);
    write(record, out);
    return out.toString();
  }

  public static void write(IndexedRecord record, Writer out) {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      write(record, g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(IndexedRecord record, JsonGenerator g) throws IOException {
    g.writeStartObject();
    for (Schema.Field f : record.getSchema().getFields()) {
      g.writeFieldName(f.name());
      writeValue(record.get(f.pos()), g);
    }
    g.writeEndObject();
  }

  private static void writeValue(Object v, JsonGenerator g) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof IndexedRecord r) {
      write(r, g);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Instant t) {
      g.writeString(t.toString());
    } else {
      g.writeString(v.toString());
    }
  }
}
