package io.fleetacct.schema.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for one generated record type in Avro single-object encoding: {@code C3 01}, the
 * writer schema's 8-byte little-endian CRC-64-AVRO fingerprint, then the Avro binary body.
 *
 * <p>Reads records written with the current schema or any released version (see {@link
 * ReleasedSchemas}), resolving them to the current one. Anything else (bad marker, unknown
 * fingerprint, truncated or trailing bytes, values the schema forbids) throws a {@link
 * SerializationException} that says what was wrong; it never returns a silent null. A null
 * payload (a tombstone) stays null in both directions, as Kafka expects.
 *
 * <p>Thread-safe: the producer may call {@link #serialize} from any thread.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

  static final byte MARKER_0 = (byte) 0xC3;
  static final byte MARKER_1 = (byte) 0x01;
  static final int HEADER_LENGTH = 10;

  private final Schema schema;
  private final byte[] header;
  private final SpecificDatumWriter<T> writer;
  private final ReleasedSchemas released;
  private final Map<Long, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
  private final ThreadLocal<EncodeBuffer> buffers = ThreadLocal.withInitial(EncodeBuffer::new);
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  private AvroSerde(Schema schema) {
    FleetacctSchemas.trustGeneratedClasses();
    this.schema = schema;
    this.header = header(ReleasedSchemas.fingerprint(schema));
    this.writer = new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    this.released = ReleasedSchemas.of(schema.getName());
  }

  /** A serde for the generated class whose schema is {@code schema} (e.g. {@code TaskExit.getClassSchema()}). */
  public static <T extends SpecificRecord> AvroSerde<T> forSchema(Schema schema) {
    return new AvroSerde<>(schema);
  }

  /** The single-object header of this schema's values: the marker and the fingerprint. */
  public byte[] header() {
    return header.clone();
  }

  public Schema schema() {
    return schema;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    EncodeBuffer buf = buffers.get();
    buf.out.reset();
    buf.out.write(header, 0, HEADER_LENGTH);
    try {
      buf.encoder = EncoderFactory.get().binaryEncoder(buf.out, buf.encoder);
      writer.write(data, buf.encoder);
      buf.encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot encode " + schema.getName() + " for topic " + topic + ": " + e.getMessage(), e);
    }
    return buf.out.toByteArray();
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (data.length < HEADER_LENGTH) {
      throw fail(topic, data, "truncated header: " + data.length + " bytes, single-object encoding needs "
          + HEADER_LENGTH);
    }
    if (data[0] != MARKER_0 || data[1] != MARKER_1) {
      throw fail(topic, data, String.format(
          "not Avro single-object encoding: starts with %02x %02x, expected c3 01", data[0], data[1]));
    }
    long fingerprint = readFingerprint(data);
    SpecificDatumReader<T> reader = readerFor(fingerprint);
    if (reader == null) {
      throw fail(topic, data, String.format(
          "unknown writer schema fingerprint %016x: not the current %s schema nor any of its %d released versions",
          fingerprint, schema.getName(), released.versions().size()));
    }
    BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH, decoders.get());
    decoders.set(decoder);
    T value;
    try {
      value = reader.read(null, decoder);
    } catch (IOException | RuntimeException e) {
      // Corrupt bodies surface as EOF, negative lengths, bad union branches, system limits...
      throw fail(topic, data, "corrupt or truncated body: " + e, e);
    }
    try {
      if (!decoder.isEnd()) {
        throw fail(topic, data, "trailing bytes after the record");
      }
    } catch (IOException e) {
      throw fail(topic, data, "cannot check for trailing bytes: " + e, e);
    }
    return value;
  }

  private SpecificDatumReader<T> readerFor(long fingerprint) {
    SpecificDatumReader<T> reader = readers.get(fingerprint);
    if (reader != null) {
      return reader;
    }
    Schema writerSchema = ReleasedSchemas.fingerprint(schema) == fingerprint
        ? schema
        : released.findByFingerprint(fingerprint);
    if (writerSchema == null) {
      return null;
    }
    return readers.computeIfAbsent(fingerprint,
        f -> new SpecificDatumReader<>(writerSchema, schema, SpecificData.getForSchema(schema)));
  }

  private SerializationException fail(String topic, byte[] data, String why) {
    return fail(topic, data, why, null);
  }

  private SerializationException fail(String topic, byte[] data, String why, Throwable cause) {
    return new SerializationException("cannot decode " + schema.getName() + " (" + data.length
        + " bytes) from topic " + topic + ": " + why, cause);
  }

  static byte[] header(long fingerprint) {
    byte[] h = new byte[HEADER_LENGTH];
    h[0] = MARKER_0;
    h[1] = MARKER_1;
    for (int i = 0; i < 8; i++) {
      h[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    return h;
  }

  static long readFingerprint(byte[] data) {
    long f = 0;
    for (int i = 7; i >= 0; i--) {
      f = (f << 8) | (data[2 + i] & 0xFFL);
    }
    return f;
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}

  private static final class EncodeBuffer {
    // reset() keeps the grown array, so steady-state encoding allocates only the result.
    final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    BinaryEncoder encoder;
  }
}
