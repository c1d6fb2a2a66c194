package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.testing.SampleRecords;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  private final AvroSerde<TaskExit> exits = FleetacctSerdes.taskExit();

  @Test
  void taskExitWithThreadGroupRoundTrips() {
    TaskExit exit = SampleRecords.fullTaskExit();
    TaskExit back = exits.deserialize("t", exits.serialize("t", exit));
    assertThat(back).isEqualTo(exit);
    assertThat(back.getThreadGroup()).isNotNull();
    assertThat(back.getTask().getCpuDelayMaxTs().getTvNsec()).isEqualTo(exit.getTask().getCpuDelayMaxTs().getTvNsec());
  }

  @Test
  void taskExitWithoutThreadGroupRoundTrips() {
    TaskExit exit = SampleRecords.singleThreadedExit(7);
    assertThat(exits.deserialize("t", exits.serialize("t", exit))).isEqualTo(exit);
  }

  @Test
  void sampleSetsEveryTaskStatsFieldNonZero() {
    // Guards the benchmark's claim that it encodes a record with every field set.
    TaskStats stats = SampleRecords.fullTaskStats();
    for (Schema.Field f : stats.getSchema().getFields()) {
      assertThat(stats.get(f.pos())).as(f.name()).isNotIn(0, 0L, "", null);
    }
  }

  @Test
  void agentStatusRoundTrips() {
    roundTrip(FleetacctSerdes.agentStatus(), SampleRecords.fullAgentStatus());
  }

  @Test
  void delayTotalsRoundTrips() {
    roundTrip(FleetacctSerdes.delayTotals(), SampleRecords.fullDelayTotals());
  }

  private static <T extends SpecificRecord> void roundTrip(AvroSerde<T> serde, T record) {
    assertThat(serde.deserialize("t", serde.serialize("t", record))).isEqualTo(record);
  }

  @Test
  void writesSingleObjectHeaderWithSchemaFingerprint() {
    byte[] bytes = exits.serialize("t", SampleRecords.fullTaskExit());
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(AvroSerde.readFingerprint(bytes))
        .isEqualTo(ReleasedSchemas.fingerprint(TaskExit.getClassSchema()));
  }

  @Test
  void nullIsATombstoneBothWays() {
    assertThat(exits.serialize("t", null)).isNull();
    assertThat(exits.deserialize("t", null)).isNull();
  }

  @Test
  void unknownFingerprintIsAClearError() {
    byte[] bytes = exits.serialize("t", SampleRecords.fullTaskExit());
    bytes[5] ^= 0x5A;
    assertThatThrownBy(() -> exits.deserialize("fleetacct.exits", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown writer schema fingerprint")
        .hasMessageContaining("fleetacct.exits")
        .hasMessageContaining("TaskExit");
  }

  @Test
  void recordOfAnotherTypeIsRefusedByFingerprint() {
    byte[] status = FleetacctSerdes.agentStatus().serialize("t", SampleRecords.fullAgentStatus());
    assertThatThrownBy(() -> exits.deserialize("t", status))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown writer schema fingerprint");
  }

  @Test
  void everyTruncationIsAClearError() {
    byte[] bytes = exits.serialize("t", SampleRecords.fullTaskExit());
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThatThrownBy(() -> exits.deserialize("t", cut))
          .as("truncated to %d bytes", len)
          .isInstanceOf(SerializationException.class)
          .hasMessageMatching("(?s)cannot decode TaskExit \\(" + len + " bytes\\).*(truncated|corrupt).*");
    }
  }

  @Test
  void badMarkerIsAClearError() {
    byte[] bytes = exits.serialize("t", SampleRecords.fullTaskExit());
    bytes[0] = '{';
    assertThatThrownBy(() -> exits.deserialize("t", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("not Avro single-object encoding");
  }

  @Test
  void trailingBytesAreAClearError() {
    byte[] bytes = exits.serialize("t", SampleRecords.fullTaskExit());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    assertThatThrownBy(() -> exits.deserialize("t", longer))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void corruptBodyIsAClearErrorNotAGiantAllocation() {
    byte[] bytes = exits.serialize("t", SampleRecords.fullTaskExit());
    // The first body field is the host string: make its length varint huge.
    byte[] corrupt = Arrays.copyOf(bytes, bytes.length);
    corrupt[10] = (byte) 0xFE;
    corrupt[11] = (byte) 0xFF;
    corrupt[12] = (byte) 0xFF;
    corrupt[13] = (byte) 0xFF;
    corrupt[14] = (byte) 0x0F;
    assertThatThrownBy(() -> exits.deserialize("t", corrupt))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("corrupt or truncated body");
  }

  @Test
  void everyReleasedVersionIsReadable() throws Exception {
    for (Class<? extends SpecificRecord> type : FleetacctSchemas.TOP_LEVEL) {
      Schema current = (Schema) type.getMethod("getClassSchema").invoke(null);
      AvroSerde<SpecificRecord> serde = AvroSerde.forSchema(current);
      for (Schema released : ReleasedSchemas.of(current.getName()).versions()) {
        GenericData.Record old = defaults(released);
        SpecificRecord read = serde.deserialize("t", encodeWith(released, old));
        assertThat(read.getSchema().getName()).isEqualTo(current.getName());
      }
    }
  }

  /** A record of {@code schema} holding the defaults, or zero values where a field has none. */
  private static GenericData.Record defaults(Schema schema) {
    GenericData.Record r = new GenericData.Record(schema);
    for (Schema.Field f : schema.getFields()) {
      r.put(f.pos(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : zero(f.schema()));
    }
    return r;
  }

  private static Object zero(Schema s) {
    switch (s.getType()) {
      case STRING: return "";
      case LONG: return 0L;
      case INT: return 0;
      case BOOLEAN: return false;
      case RECORD: return defaults(s);
      case UNION: return null;
      default: throw new IllegalArgumentException("no zero for " + s);
    }
  }

  private static byte[] encodeWith(Schema schema, GenericData.Record record) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(AvroSerde.header(ReleasedSchemas.fingerprint(schema)));
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(schema).write(record, enc);
    enc.flush();
    return out.toByteArray();
  }

  @Test
  void serdesAreIndependentOfEachOther() {
    AvroSerde<DelayTotals> a = FleetacctSerdes.delayTotals();
    AvroSerde<AgentStatus> b = FleetacctSerdes.agentStatus();
    assertThat(a.schema()).isNotEqualTo(b.schema());
  }
}
