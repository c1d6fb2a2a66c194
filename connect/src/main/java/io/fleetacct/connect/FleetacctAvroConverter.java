package io.fleetacct.connect;

import io.fleetacct.schema.serde.AvroAnySerde;
import io.fleetacct.schema.serde.FleetacctSchemas;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Kafka Connect converter for fleetacct's records in Avro single-object encoding (keys and values:
 * TaskExit, TaskSample, DelayTotals, TotalsKey, AgentStatus, InstanceProgress), for sink connectors. The
 * record type comes from the writer schema's fingerprint (current or any released version); each
 * becomes a {@code Struct}. Option {@value #FLATTEN}: nested records become {@code parent_child}
 * fields, as a table of columns wants. Bytes it cannot read raise a {@link DataException} that says
 * why, which the worker's {@code errors.tolerance} and dead-letter queue then handle.
 *
 * <p>Reading only: fleetacct's own producers write these topics, so {@link #fromConnectData} refuses.
 */
public final class FleetacctAvroConverter implements Converter {

  public static final String FLATTEN = "flatten";
  /** Every top-level record type, by its writer schema's fingerprint. */
  private static final AvroAnySerde RECORDS = AvroAnySerde.of(FleetacctSchemas.TOP_LEVEL);

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
    SpecificRecord record;
    try {
      record = RECORDS.deserialize(topic, value);
    } catch (SerializationException e) {
      throw new DataException("not a fleetacct record: " + e.getMessage(), e);
    }
    ConnectData mapping = mappings.computeIfAbsent(record.getSchema(), s -> new ConnectData(s, flatten));
    return new SchemaAndValue(mapping.schema(), mapping.toStruct(record));
  }

  @Override
  public byte[] fromConnectData(String topic, org.apache.kafka.connect.data.Schema schema, Object value) {
    throw new DataException("FleetacctAvroConverter reads fleetacct's topics for sink connectors; it does not"
        + " write (topic " + topic + ")");
  }
}
