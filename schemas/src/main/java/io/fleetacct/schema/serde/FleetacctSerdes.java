package io.fleetacct.schema.serde;

import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TotalsKey;
import java.util.List;

/** Serdes for fleetacct's topics. Each call returns a new, thread-safe instance. */
public final class FleetacctSerdes {

  private FleetacctSerdes() {}

  public static AvroSerde<TaskExit> taskExit() {
    return AvroSerde.forSchema(TaskExit.getClassSchema());
  }

  public static AvroSerde<TaskSample> taskSample() {
    return AvroSerde.forSchema(TaskSample.getClassSchema());
  }

  /** Values of fleetacct.exits: TaskExit and TaskSample, told apart by their writer schema. */
  public static AvroAnySerde exitOrSample() {
    return AvroAnySerde.of(List.of(TaskExit.class, TaskSample.class));
  }

  /**
   * What an agent keeps until Kafka has it: the exits topic's records and its heartbeats
   * ({@link AgentStatus}, whose bytes are the status topic's).
   */
  public static AvroAnySerde agentBacklog() {
    return AvroAnySerde.of(List.of(TaskExit.class, TaskSample.class, AgentStatus.class));
  }

  public static AvroSerde<AgentStatus> agentStatus() {
    return AvroSerde.forSchema(AgentStatus.getClassSchema());
  }

  public static AvroSerde<DelayTotals> delayTotals() {
    return AvroSerde.forSchema(DelayTotals.getClassSchema());
  }

  public static AvroSerde<TotalsKey> totalsKey() {
    return AvroSerde.forSchema(TotalsKey.getClassSchema());
  }

  public static AvroSerde<InstanceProgress> instanceProgress() {
    return AvroSerde.forSchema(InstanceProgress.getClassSchema());
  }
}
