package io.fleetacct.schema.serde;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a topic that carries several record types (fleetacct.exits: TaskExit and
 * TaskSample), in Avro single-object encoding: the writer schema's fingerprint (current or any
 * released version of each type) says which type a value is, and that type's {@link AvroSerde}
 * reads it. Writes each record with the serde of its own type. Errors as {@link AvroSerde}'s.
 */
public final class AvroAnySerde implements Serde<SpecificRecord>, Serializer<SpecificRecord>,
    Deserializer<SpecificRecord> {

  private final List<String> names;
  private final Map<Long, AvroSerde<SpecificRecord>> byFingerprint = new HashMap<>();
  private final Map<String, AvroSerde<SpecificRecord>> byName = new HashMap<>();

  private AvroAnySerde(List<Class<? extends SpecificRecord>> types) {
    this.names = types.stream().map(Class::getSimpleName).toList();
    for (Class<? extends SpecificRecord> type : types) {
      Schema current = SpecificData.get().getSchema(type);
      AvroSerde<SpecificRecord> serde = AvroSerde.forSchema(current);
      for (Schema version : ReleasedSchemas.of(type.getSimpleName()).versions()) {
        byFingerprint.put(ReleasedSchemas.fingerprint(version), serde);
      }
      byFingerprint.put(ReleasedSchemas.fingerprint(current), serde);
      byName.put(current.getFullName(), serde);
    }
  }

  /** A serde for values of any of {@code types} (generated classes). */
  public static AvroAnySerde of(List<Class<? extends SpecificRecord>> types) {
    return new AvroAnySerde(types);
  }

  /** The record types this serde reads, by simple name. */
  public List<String> names() {
    return names;
  }

  @Override
  public SpecificRecord deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (data.length < AvroSerde.HEADER_LENGTH || data[0] != AvroSerde.MARKER_0 || data[1] != AvroSerde.MARKER_1) {
      throw new SerializationException(String.format("cannot decode %s (%d bytes) from topic %s: not Avro"
              + " single-object encoding (%s)", String.join(" or ", names), data.length, topic,
          data.length < 2 ? "too short" : String.format("starts with %02x %02x, expected c3 01", data[0], data[1])));
    }
    long fingerprint = AvroSerde.readFingerprint(data);
    AvroSerde<SpecificRecord> serde = byFingerprint.get(fingerprint);
    if (serde == null) {
      throw new SerializationException(String.format("cannot decode %s (%d bytes) from topic %s: unknown writer"
          + " schema fingerprint %016x: no version of %s", String.join(" or ", names), data.length, topic,
          fingerprint, names));
    }
    return serde.deserialize(topic, data);
  }

  /**
   * Whether {@code data} is a value of {@code type} by its writer schema's fingerprint, without
   * decoding it; false for anything else, undecodable bytes included.
   */
  public boolean isOf(Class<? extends SpecificRecord> type, byte[] data) {
    if (data == null || data.length < AvroSerde.HEADER_LENGTH || data[0] != AvroSerde.MARKER_0
        || data[1] != AvroSerde.MARKER_1) {
      return false;
    }
    AvroSerde<SpecificRecord> serde = byFingerprint.get(AvroSerde.readFingerprint(data));
    return serde != null && serde.schema().getFullName().equals(SpecificData.get().getSchema(type).getFullName());
  }

  @Override
  public byte[] serialize(String topic, SpecificRecord data) {
    if (data == null) {
      return null;
    }
    AvroSerde<SpecificRecord> serde = byName.get(data.getSchema().getFullName());
    if (serde == null) {
      throw new SerializationException("cannot encode " + data.getSchema().getName() + " for topic " + topic
          + ": it carries " + names);
    }
    return serde.serialize(topic, data);
  }

  @Override
  public Serializer<SpecificRecord> serializer() {
    return this;
  }

  @Override
  public Deserializer<SpecificRecord> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
