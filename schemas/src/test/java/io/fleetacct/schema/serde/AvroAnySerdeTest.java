package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.testing.SampleRecords;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroAnySerdeTest {

  private final AvroAnySerde exits = FleetacctSerdes.exitOrSample();

  @Test
  void readsEachTypeByItsWriterSchema() {
    TaskExit exit = SampleRecords.fullTaskExit();
    TaskSample sample = SampleRecords.fullTaskSample();
    assertThat(exits.deserialize("t", FleetacctSerdes.taskExit().serialize("t", exit))).isEqualTo(exit);
    assertThat(exits.deserialize("t", exits.serialize("t", sample))).isEqualTo(sample);
    assertThat(FleetacctSerdes.taskSample().deserialize("t", exits.serialize("t", sample))).isEqualTo(sample);
  }

  @Test
  void readsReleasedVersionsOfEachType() {
    // A TaskExit written before `sampled` existed (v2) reads with sampled null.
    var v2 = AvroSerde.<TaskExit>forSchema(ReleasedSchemas.of("TaskExit").versions().get(1));
    assertThat(v2.schema().getField("sampled")).isNull();
    TaskExit old = SampleRecords.fullTaskExit();
    TaskExit read = (TaskExit) exits.deserialize("t", v2.serialize("t", old));
    assertThat(read.getSampled()).isNull();
    assertThat(read.getTask()).isEqualTo(old.getTask());
  }

  @Test
  void refusesWhatIsNeitherTypeAndSaysWhy() {
    byte[] status = FleetacctSerdes.agentStatus().serialize("t", SampleRecords.fullAgentStatus());
    assertThatThrownBy(() -> exits.deserialize("t", status)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("no version of [TaskExit, TaskSample]");
    assertThatThrownBy(() -> exits.deserialize("t", new byte[] {1})).isInstanceOf(SerializationException.class)
        .hasMessageContaining("not Avro single-object encoding");
    assertThatThrownBy(() -> exits.serialize("t", SampleRecords.fullAgentStatus()))
        .isInstanceOf(SerializationException.class).hasMessageContaining("it carries [TaskExit, TaskSample]");
    assertThat(exits.deserialize("t", null)).isNull();
  }
}
