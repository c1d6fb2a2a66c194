package io.fleetacct.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded broker's class-data-sharing archive: its JVM maps the classes' parsed and verified
 * form instead of loading them from the jars (about 2 s less of an empty-state start here). The
 * launcher's build makes it ({@code ClassDataTraining}) and names it to {@code up} in
 * {@value #PROPERTY}. The JVM takes an archive only with the class path it was made with, and
 * quietly goes without one that does not match (after a rebuild without training).
 */
public final class BrokerClassData {

  /** System property: the archive's path. */
  public static final String PROPERTY = "fleetacct.broker.classData";
  /** A mismatch is not news for the terminal or the broker's log: the JVM just loads the classes. */
  private static final String QUIET = "-Xlog:cds*=off";

  private BrokerClassData() {}

  /** The broker JVM's options that use the archive named in {@value #PROPERTY}, if it exists. */
  public static List<String> use() {
    String archive = System.getProperty(PROPERTY);
    return archive == null || !Files.isRegularFile(Path.of(archive)) ? List.of()
        : List.of("-XX:SharedArchiveFile=" + archive, QUIET);
  }

  /** The broker JVM's options that write an archive of the classes it loaded to {@code archive} at its exit. */
  public static List<String> make(Path archive) {
    return List.of("-XX:ArchiveClassesAtExit=" + archive, QUIET);
  }
}
