package io.fleetacct.schema.serde;

import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.DelayTotals;
import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TotalsKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/** The record types fleetacct puts on topics, and the one-time set-up Avro needs to decode them. */
public final class FleetacctSchemas {

  /** Top-level records that travel on their own (each has a serde and released schema versions). */
  public static final List<Class<? extends SpecificRecord>> TOP_LEVEL =
      List.of(TaskExit.class, TaskSample.class, AgentStatus.class, DelayTotals.class, TotalsKey.class,
          InstanceProgress.class);


  private static volatile boolean trusted;

  /** Every generated class the top-level records use: records, nested records and enums. */
  static Set<Class<?>> allGenerated() {
    Set<String> names = new LinkedHashSet<>();
    for (Class<? extends SpecificRecord> c : TOP_LEVEL) {
      collect(SpecificData.get().getSchema(c), names);
    }
    Set<Class<?>> classes = new LinkedHashSet<>();
    for (String n : names) {
      try {
        classes.add(Class.forName(n));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("no generated class for schema type " + n, e);
      }
    }
    return classes;
  }

  private static void collect(Schema s, Set<String> names) {
    switch (s.getType()) {
      case RECORD -> {
        if (names.add(s.getFullName())) {
          s.getFields().forEach(f -> collect(f.schema(), names));
        }
      }
      case ENUM, FIXED -> names.add(s.getFullName());
      case UNION -> s.getTypes().forEach(t -> collect(t, names));
      case ARRAY -> collect(s.getElementType(), names);
      case MAP -> collect(s.getValueType(), names);
      default -> { }
    }
  }

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
        allGenerated().forEach(ours::add);
        ClassSecurityValidator.setGlobal(
            ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours.build()));
        trusted = true;
      }
    }
  }
}
