package io.fleetacct.schema.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * Every released version of a record's schema, so that records written by any released agent or
 * streams version stay readable. The versions live as class-path resources
 * {@code /io/fleetacct/schema/released/<Record>-v<N>.avsc}, numbered from 1 without holes; a
 * schema change adds the next file (the compatibility test insists on it).
 */
public final class ReleasedSchemas implements SchemaStore {

  private static final Map<String, ReleasedSchemas> BY_RECORD = new ConcurrentHashMap<>();

  private final List<Schema> versions;
  private final Map<Long, Schema> byFingerprint = new ConcurrentHashMap<>();

  private ReleasedSchemas(List<Schema> versions) {
    this.versions = List.copyOf(versions);
    for (Schema s : versions) {
      byFingerprint.put(fingerprint(s), s);
    }
  }

  /** The released versions of the record named {@code simpleName} (e.g. "TaskExit"). */
  public static ReleasedSchemas of(String simpleName) {
    return BY_RECORD.computeIfAbsent(simpleName, ReleasedSchemas::load);
  }

  private static ReleasedSchemas load(String simpleName) {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      String resource = resourceName(simpleName, v);
      try (InputStream in = ReleasedSchemas.class.getResourceAsStream(resource)) {
        if (in == null) {
          break;
        }
        versions.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read released schema " + resource, e);
      }
    }
    return new ReleasedSchemas(versions);
  }

  static String resourceName(String simpleName, int version) {
    return "/io/fleetacct/schema/released/" + simpleName + "-v" + version + ".avsc";
  }

  /** CRC-64-AVRO of the schema's parsing canonical form, as in Avro's single-object encoding. */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  /** Released versions, oldest first. */
  public List<Schema> versions() {
    return versions;
  }

  @Override
  public Schema findByFingerprint(long fingerprint) {
    return byFingerprint.get(fingerprint);
  }
}
