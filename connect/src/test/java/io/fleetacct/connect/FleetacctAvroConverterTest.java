package io.fleetacct.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TotalsKey;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.junit.jupiter.api.Test;

class FleetacctAvroConverterTest {

  private static FleetacctAvroConverter converter(boolean flatten, boolean isKey) {
    FleetacctAvroConverter c = new FleetacctAvroConverter();
    c.configure(Map.of(FleetacctAvroConverter.FLATTEN, String.valueOf(flatten)), isKey);
    return c;
  }

  @Test
  void taskExitBecomesNestedStructsWithTimestamps() {
    TaskExit e = SampleRecords.fullTaskExit();
    SchemaAndValue got = converter(false, false).toConnectData("exits", FleetacctSerdes.taskExit().serialize("t", e));
    Struct s = (Struct) got.value();
    s.validate();
    assertThat(s.getString("host")).isEqualTo(e.getHost());
    assertThat(s.getString("cgroup")).isEqualTo(e.getCgroup());
    assertThat(got.schema().field("received_at").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
    assertThat(s.get("received_at")).isEqualTo(Date.from(e.getReceivedAt()));
    Struct task = s.getStruct("task");
    assertThat(task.getInt64("cpu_delay_total")).isEqualTo(e.getTask().getCpuDelayTotal());
    assertThat(task.getString("ac_comm")).isEqualTo(e.getTask().getAcComm());
    assertThat(task.getStruct("cpu_delay_max_ts").getInt64("tv_sec"))
        .isEqualTo(e.getTask().getCpuDelayMaxTs().getTvSec());
    assertThat(got.schema().field("thread_group").schema().isOptional()).isTrue();
    assertThat(s.getStruct("thread_group").getInt64("ac_pid")).isEqualTo(e.getThreadGroup().getAcPid());
  }

  @Test
  void taskSampleBecomesAStructWithItsDeltas() {
    TaskSample sample = SampleRecords.fullTaskSample();
    SchemaAndValue got = converter(true, false).toConnectData("exits",
        FleetacctSerdes.taskSample().serialize("t", sample));
    Struct s = (Struct) got.value();
    s.validate();
    assertThat(got.schema().name()).isEqualTo("io.fleetacct.schema.TaskSample");
    assertThat(s.getInt64("ac_tgid")).isEqualTo(812L);
    assertThat(s.getInt64("deltas_cpu_delay_total")).isEqualTo(sample.getDeltas().getCpuDelayTotal());
    assertThat(s.get("sampled_at")).isEqualTo(Date.from(sample.getSampledAt()));
    Struct byName = (Struct) s.getArray("thread_names").get(0);
    assertThat(byName.getString("ac_comm")).isEqualTo("postgres");
    assertThat(byName.getStruct("deltas").getInt64("cpu_delay_total")).isEqualTo(sample.getDeltas().getCpuDelayTotal());
  }

  @Test
  void anAgentStatusMapsItsCountsBySource() {
    AgentStatus status = SampleRecords.fullAgentStatus();
    status.setCommandsBySource(java.util.Map.of("exit_hook", 7L, "own", 1L));
    SchemaAndValue got = converter(true, false).toConnectData("status",
        FleetacctSerdes.agentStatus().serialize("t", status));
    Struct s = (Struct) got.value();
    s.validate();
    assertThat(s.getMap("commands_by_source")).isEqualTo(java.util.Map.of("exit_hook", 7L, "own", 1L));
  }

  @Test
  void flattenedTaskExitHasOneColumnPerLeafAndNullsForAnAbsentGroup() {
    TaskExit e = SampleRecords.singleThreadedExit(42);
    SchemaAndValue got = converter(true, false).toConnectData("exits", FleetacctSerdes.taskExit().serialize("t", e));
    Struct s = (Struct) got.value();
    s.validate();
    assertThat(got.schema().fields()).allSatisfy(f -> assertThat(f.schema().type()).isNotEqualTo(Schema.Type.STRUCT));
    assertThat(s.getInt64("task_cpu_delay_total")).isEqualTo(e.getTask().getCpuDelayTotal());
    assertThat(s.getInt64("task_irq_delay_max_ts_tv_nsec")).isEqualTo(e.getTask().getIrqDelayMaxTs().getTvNsec());
    assertThat(s.getInt64("agent_seq")).isEqualTo(42);
    assertThat(e.getThreadGroup()).isNull();
    assertThat(got.schema().field("thread_group_ac_pid").schema().isOptional()).isTrue();
    assertThat(s.get("thread_group_ac_pid")).isNull();
  }

  @Test
  void totalsKeysCarryTheirWindowAsTimestampsOrNull() {
    TotalsKey k = TotalsKey.newBuilder().setHost("web-1").setCgroup("/a").setCommand(null)
        .setWindowStart(Instant.parse("2026-11-25T10:00:00Z")).setWindowEnd(Instant.parse("2026-11-25T10:01:00Z"))
        .build();
    Struct s = (Struct) converter(false, true).toConnectData("w", FleetacctSerdes.totalsKey().serialize("w", k))
        .value();
    assertThat(s.getString("host")).isEqualTo("web-1");
    assertThat(s.get("command")).isNull();
    assertThat(s.get("window_start")).isEqualTo(Date.from(Instant.parse("2026-11-25T10:00:00Z")));
    TotalsKey allTime = TotalsKey.newBuilder().setHost("web-1").setCgroup(null).setCommand(null)
        .setWindowStart(null).setWindowEnd(null).build();
    Struct t = (Struct) converter(false, true).toConnectData("t", FleetacctSerdes.totalsKey().serialize("t", allTime))
        .value();
    assertThat(t.get("window_start")).isNull();
  }

  @Test
  void delayTotalsKeepEveryField() {
    DelayTotals d = SampleRecords.fullDelayTotals();
    Struct s = (Struct) converter(true, false).toConnectData("t", FleetacctSerdes.delayTotals().serialize("t", d))
        .value();
    assertThat(s.schema().fields()).hasSize(DelayTotals.getClassSchema().getFields().size());
    assertThat(s.getInt64("cpu_delay_total")).isEqualTo(d.getCpuDelayTotal());
    assertThat(s.getInt64("exits")).isEqualTo(d.getExits());
  }

  @Test
  void nullIsATombstone() {
    assertThat(converter(false, false).toConnectData("t", null)).isEqualTo(SchemaAndValue.NULL);
  }

  @Test
  void badBytesRaiseADataExceptionThatSaysWhy() {
    FleetacctAvroConverter c = converter(false, false);
    assertThatThrownBy(() -> c.toConnectData("exits", new byte[] {1, 2, 3}))
        .isInstanceOf(DataException.class).hasMessageContaining("3 bytes");
    assertThatThrownBy(() -> c.toConnectData("exits", "plain text, not avro".getBytes()))
        .isInstanceOf(DataException.class).hasMessageContaining("not Avro single-object encoding");
    byte[] unknown = FleetacctSerdes.taskExit().serialize("t", SampleRecords.fullTaskExit());
    unknown[5] ^= 0x5a;
    assertThatThrownBy(() -> c.toConnectData("exits", unknown))
        .isInstanceOf(DataException.class).hasMessageContaining("no version of [TaskExit, TaskSample");
    byte[] good = FleetacctSerdes.taskExit().serialize("t", SampleRecords.fullTaskExit());
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5);
    assertThatThrownBy(() -> c.toConnectData("exits", truncated)).isInstanceOf(DataException.class)
        .hasMessageContaining("TaskExit");
    assertThatThrownBy(() -> c.fromConnectData("exits", null, null)).isInstanceOf(DataException.class)
        .hasMessageContaining("does not write");
  }

  @Test
  void isFoundAsAConnectPluginThroughServiceLoading() {
    assertThat(ServiceLoader.load(Converter.class).stream().map(p -> p.type().getName()))
        .contains(FleetacctAvroConverter.class.getName());
  }
}
