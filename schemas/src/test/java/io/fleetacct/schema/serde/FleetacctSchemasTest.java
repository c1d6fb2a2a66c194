package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.ThreadNameDeltas;
import org.junit.jupiter.api.Test;

/** What a process without the Avro trust property must trust to decode every record: all generated types. */
class FleetacctSchemasTest {

  @Test
  void everyGeneratedTypeOfTheRecordsIsTrustedEnumsAndNestedRecordsIncluded() {
    assertThat(FleetacctSchemas.allGenerated()).containsAll(FleetacctSchemas.TOP_LEVEL).contains(TaskStats.class,
        KernelTimespec.class, TaskDeltas.class, ThreadNameDeltas.class, CgroupSource.class, CommandSource.class);
  }
}
