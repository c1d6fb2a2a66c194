package io.fleetacct.schema.serde;

import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.TotalsKey;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/** The record types fleetacct puts on topics, and the one-time set-up Avro needs to decode them. */
public final class FleetacctSchemas {

  /** Top-level records that travel on their own (each has a serde and released schema versions). */
  public static final List<Class<? extends SpecificRecord>> TOP_LEVEL =
      List.of(TaskExit.class, TaskSample.class, AgentStatus.class, DelayTotals.class, TotalsKey.class,
          InstanceProgress.class);

  private static final List<Class<?>> ALL_GENERATED = List.of(TaskExit.class, TaskStats.class, KernelTimespec.class,
      TaskSample.class, TaskDeltas.class, AgentStatus.class, DelayTotals.class, TotalsKey.class, InstanceProgress.class);

  private static volatile boolean trusted;

  private FleetacctSchemas() {}

  /**
   * Avro 1.12 refuses to instantiate classes outside trusted packages when it decodes. Adds our
   * generated classes to the global allow list, keeping whatever was trusted before. Idempotent.
   */
  public static void trustGeneratedClasses() {
    if (trusted) {
      return;
    }
    synchronized (FleetacctSchemas.class) {
      if (!trusted) {
        ClassSecurityValidator.Builder ours = ClassSecurityValidator.builder();
        ALL_GENERATED.forEach(ours::add);
        ClassSecurityValidator.setGlobal(
            ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours.build()));
        trusted = true;
      }
    }
  }
}
