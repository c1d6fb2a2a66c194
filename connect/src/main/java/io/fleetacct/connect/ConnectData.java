package io.fleetacct.connect;

import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Avro records as Connect data: the schema once per record schema, then each value. Nested records
 * stay structs, or are flattened into their parent with {@code parent_child} field names (what a
 * table of columns wants); a nullable record flattens to nullable fields. Arrays and maps (of
 * strings to values) become Connect's arrays and maps; timestamp-millis becomes Connect's
 * {@link Timestamp}.
 */
final class ConnectData {

  private final Schema avro;
  private final boolean flatten;
  private final org.apache.kafka.connect.data.Schema connect;

  ConnectData(Schema avro, boolean flatten) {
    this.avro = avro;
    this.flatten = flatten;
    SchemaBuilder b = SchemaBuilder.struct().name(avro.getFullName()).doc(avro.getDoc());
    addFields(b, "", avro, false, flatten);
    this.connect = b.build();
  }

  org.apache.kafka.connect.data.Schema schema() {
    return connect;
  }

  Struct toStruct(IndexedRecord record) {
    Struct s = new Struct(connect);
    fill(s, "", avro, record);
    return s;
  }

  /** A record's fields; with {@code flat}, nested records as {@code parent_child} fields of this one. */
  private void addFields(SchemaBuilder b, String prefix, Schema record, boolean optional, boolean flat) {
    for (Schema.Field f : record.getFields()) {
      Schema type = nonNull(f.schema());
      boolean opt = optional || type != f.schema();
      if (flat && type.getType() == Schema.Type.RECORD) {
        addFields(b, prefix + f.name() + "_", type, opt, true);
      } else {
        b.field(prefix + f.name(), connectSchema(type, opt, f.doc()));
      }
    }
  }

  private org.apache.kafka.connect.data.Schema connectSchema(Schema type, boolean optional, String doc) {
    SchemaBuilder b = switch (type.getType()) {
      case LONG -> type.getLogicalType() instanceof LogicalTypes.TimestampMillis ? Timestamp.builder()
          : SchemaBuilder.int64();
      case INT -> SchemaBuilder.int32();
      case STRING, ENUM -> SchemaBuilder.string();
      case BOOLEAN -> SchemaBuilder.bool();
      case DOUBLE -> SchemaBuilder.float64();
      case FLOAT -> SchemaBuilder.float32();
      case BYTES -> SchemaBuilder.bytes();
      case RECORD -> { // a struct of its own (not flattened: an array's elements, or flatten off)
        SchemaBuilder s = SchemaBuilder.struct().name(type.getFullName());
        addFields(s, "", type, false, false);
        yield s;
      }
      case ARRAY -> SchemaBuilder.array(connectSchema(nonNull(type.getElementType()), false, null));
      case MAP -> SchemaBuilder.map(org.apache.kafka.connect.data.Schema.STRING_SCHEMA,
          connectSchema(nonNull(type.getValueType()), false, null));
      default -> throw new DataException("no Connect type for Avro " + type.getType() + " (" + type + ")");
    };
    if (optional) {
      b.optional();
    }
    return (doc == null ? b : b.doc(doc)).build();
  }

  private void fill(Struct s, String prefix, Schema record, IndexedRecord value) {
    List<Schema.Field> fields = record.getFields();
    for (Schema.Field f : fields) {
      Schema type = nonNull(f.schema());
      Object v = value == null ? null : value.get(f.pos());
      if (flatten && type.getType() == Schema.Type.RECORD) {
        fill(s, prefix + f.name() + "_", type, (IndexedRecord) v);
      } else {
        String name = prefix + f.name();
        s.put(name, connectValue(s.schema().field(name).schema(), v));
      }
    }
  }

  private static Object connectValue(org.apache.kafka.connect.data.Schema schema, Object v) {
    if (v == null) {
      return null;
    }
    if (Timestamp.LOGICAL_NAME.equals(schema.name())) {
      return v instanceof Instant i ? Date.from(i) : new Date((Long) v);
    }
    return switch (schema.type()) {
      case STRING -> v.toString();
      case STRUCT -> {
        Struct nested = new Struct(schema);
        IndexedRecord r = (IndexedRecord) v;
        for (Schema.Field f : r.getSchema().getFields()) {
          nested.put(f.name(), connectValue(schema.field(f.name()).schema(), r.get(f.pos())));
        }
        yield nested;
      }
      case BYTES -> v instanceof java.nio.ByteBuffer bb ? bytes(bb) : v;
      case ARRAY -> ((List<?>) v).stream().map(e -> connectValue(schema.valueSchema(), e)).toList();
      case MAP -> {
        Map<String, Object> m = new LinkedHashMap<>();
        ((Map<?, ?>) v).forEach((k, e) -> m.put(k.toString(), connectValue(schema.valueSchema(), e)));
        yield m;
      }
      default -> v;
    };
  }

  private static byte[] bytes(java.nio.ByteBuffer bb) {
    byte[] out = new byte[bb.remaining()];
    bb.duplicate().get(out);
    return out;
  }

  /** X of a ["null", X] union; the schema itself otherwise. */
  private static Schema nonNull(Schema s) {
    if (s.getType() != Schema.Type.UNION) {
      return s;
    }
    List<Schema> types = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
    if (types.size() != 1) {
      throw new DataException("no Connect type for the union " + s + ": only [\"null\", X] maps");
    }
    return types.get(0);
  }
}
