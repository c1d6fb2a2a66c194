package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The guard on schema evolution: every released version of every record must stay readable by the
 * current schema (backward) and able to read the current schema's records (forward), and the
 * current schema must itself be released, so that what we write is decodable by fingerprint.
 */
class SchemaCompatibilityTest {

  static final List<Class<? extends SpecificRecord>> RECORDS = FleetacctSchemas.TOP_LEVEL;

  @ParameterizedTest
  @FieldSource("RECORDS")
  void currentSchemaIsTheLatestReleasedVersion(Class<? extends SpecificRecord> type) throws Exception {
    Schema current = current(type);
    List<Schema> versions = ReleasedSchemas.of(current.getName()).versions();
    assertThat(versions).as("released versions of %s", current.getName()).isNotEmpty();
    assertThat(ReleasedSchemas.fingerprint(versions.get(versions.size() - 1)))
        .as("%s changed: after checking compatibility, add it as %s", current.getName(),
            ReleasedSchemas.resourceName(current.getName(), versions.size() + 1))
        .isEqualTo(ReleasedSchemas.fingerprint(current));
  }

  @ParameterizedTest
  @FieldSource("RECORDS")
  void everyReleasedVersionIsBackwardAndForwardCompatible(Class<? extends SpecificRecord> type) throws Exception {
    Schema current = current(type);
    for (Schema released : ReleasedSchemas.of(current.getName()).versions()) {
      assertCompatible(current, released, "current reads released (backward)");
      assertCompatible(released, current, "released reads current (forward)");
    }
  }

  @ParameterizedTest
  @FieldSource("RECORDS")
  void releasedVersionsAreMutuallyCompatible(Class<? extends SpecificRecord> type) throws Exception {
    List<Schema> versions = ReleasedSchemas.of(current(type).getName()).versions();
    for (Schema reader : versions) {
      for (Schema writer : versions) {
        assertCompatible(reader, writer, "released versions");
      }
    }
  }

  @org.junit.jupiter.api.Test
  void guardDetectsAnIncompatibleChange() {
    // A new field without a default cannot be read from old records: the guard must say so.
    Schema old = Schema.createRecord("R", null, "x", false,
        List.of(new Schema.Field("a", Schema.create(Schema.Type.LONG))));
    Schema changed = Schema.createRecord("R", null, "x", false,
        List.of(new Schema.Field("a", Schema.create(Schema.Type.LONG)),
            new Schema.Field("b", Schema.create(Schema.Type.LONG))));
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(changed, old).getType())
        .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
  }

  private static void assertCompatible(Schema reader, Schema writer, String what) {
    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    assertThat(result.getType())
        .as("%s: %s", what, result.getResult().getIncompatibilities())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  private static Schema current(Class<? extends SpecificRecord> type) throws Exception {
    return (Schema) type.getMethod("getClassSchema").invoke(null);
  }
}
