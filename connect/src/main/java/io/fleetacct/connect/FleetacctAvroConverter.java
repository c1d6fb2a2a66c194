package io.fleetacct.connect;

import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.schema.serde.ReleasedSchemas;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Kafka Connect converter for fleetacct's records in Avro single-object encoding (keys and values:
 * TaskExit, DelayTotals, TotalsKey, AgentStatus, InstanceProgress), for sink connectors. The
 * record type comes from the writer schema's fingerprint (current or any released version); each
 * becomes a {@code Struct}. Option {@value #FLATTEN}: nested records become {@code parent_child}
 * fields, as a table of columns wants. Bytes it cannot read raise a {@link DataException} that says
 * why, which the worker's {@code errors.tolerance} and dead-letter queue then handle.
 *
 * <p>Reading only: fleetacct's own producers write these topics, so {@link #fromConnectData} refuses.
 */
public final class FleetacctAvroConverter implements Converter {

  public static final String FLATTEN = "flatten";
  private static final int HEADER_LENGTH = 10;

  /** Per writer-schema fingerprint: the serde of its record type. */
  private static final Map<Long, AvroSerde<SpecificRecord>> SERDES = serdesByFingerprint();

  private final Map<Schema, ConnectData> mappings = new ConcurrentHashMap<>();
  private boolean flatten;

  static final ConfigDef CONFIG = new ConfigDef().define(FLATTEN, ConfigDef.Type.BOOLEAN, false,
      ConfigDef.Importance.MEDIUM, "Flatten nested records into parent_child fields (for table-like sinks).");

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    flatten = new AbstractConfig(CONFIG, configs).getBoolean(FLATTEN);
    FleetacctSchemas.trustGeneratedClasses();
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) {
      return SchemaAndValue.NULL;
    }
    if (value.length < HEADER_LENGTH) {
      throw new DataException("not a fleetacct record on " + topic + ": " + value.length
          + " bytes, Avro single-object encoding needs at least " + HEADER_LENGTH);
    }
    long fingerprint = ByteBuffer.wrap(value, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    AvroSerde<SpecificRecord> serde = SERDES.get(fingerprint);
    if (serde == null) {
      throw new DataException(String.format("not a fleetacct record on %s: writer schema fingerprint %016x is no"
          + " version of %s (or not single-object encoding: first bytes %02x %02x)", topic, fingerprint,
          FleetacctSchemas.TOP_LEVEL.stream().map(Class::getSimpleName).toList(), value[0], value[1]));
    }
    SpecificRecord record;
    try {
      record = serde.deserialize(topic, value);
    } catch (SerializationException e) {
      throw new DataException(e.getMessage(), e);
    }
    ConnectData mapping = mappings.computeIfAbsent(record.getSchema(), s -> new ConnectData(s, flatten));
    return new SchemaAndValue(mapping.schema(), mapping.toStruct(record));
  }

  @Override
  public byte[] fromConnectData(String topic, org.apache.kafka.connect.data.Schema schema, Object value) {
    throw new DataException("FleetacctAvroConverter reads fleetacct's topics for sink connectors; it does not"
        + " write (topic " + topic + ")");
  }

  private static Map<Long, AvroSerde<SpecificRecord>> serdesByFingerprint() {
    Map<Long, AvroSerde<SpecificRecord>> m = new ConcurrentHashMap<>();
    for (Class<? extends SpecificRecord> type : FleetacctSchemas.TOP_LEVEL) {
      Schema current = SpecificData.get().getSchema(type);
      AvroSerde<SpecificRecord> serde = AvroSerde.forSchema(current);
      for (Schema version : List.copyOf(ReleasedSchemas.of(type.getSimpleName()).versions())) {
        m.put(ReleasedSchemas.fingerprint(version), serde);
      }
      m.put(ReleasedSchemas.fingerprint(current), serde);
    }
    return Map.copyOf(m);
  }
}
