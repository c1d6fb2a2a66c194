package io.fleetacct.standalone.cli;

import ch.qos.logback.classic.Level;
import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.standalone.BrokerClassData;
import io.fleetacct.standalone.OneHost;
import io.fleetacct.standalone.log.LogFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The training run of {@code up}'s two class-data-sharing archives, which the launcher's build
 * makes ({@code -Dfleetacct.classData}; the standalone module's {@code class-data} profile): this
 * JVM's, with {@code -XX:ArchiveClassesAtExit}, and the embedded broker's ({@link BrokerClassData},
 * the path in the first argument). It goes through what an empty-state {@code up} does: the
 * options, the log file, a start of broker, streams and agent on a state directory of its own,
 * queries, a status line and the stop. Where the agent cannot start (not root), {@code up} could
 * not either: it says so and leaves the archives with what was loaded until then.
 */
public final class ClassDataTraining {

  private ClassDataTraining() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ClassDataTraining BROKER_ARCHIVE");
    }
    Path dir = Files.createTempDirectory("fleetacct-cds-training-");
    try {
      train(dir, Path.of(args[0]));
    } finally {
      Directories.deleteTree(dir);
    }
  }

  private static void train(Path dir, Path brokerArchive) throws Exception {
    FleetacctSchemas.trustGeneratedClasses();
    new CommandLine(new UpCommand()).parseArgs("--state-dir", dir.toString(), "--http-port", "0");
    LogFile.use(dir);
    // Logging is set up as at every start, then silenced: the build's output is not its place.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.OFF);
    OneHost.Config config = new OneHost.Config(dir, null, "127.0.0.1", 0, -1, null, false, 2, AttributionMode.auto,
        Duration.ofSeconds(60), BrokerClassData.make(brokerArchive));
    OneHost h;
    try {
      h = OneHost.start(config);
    } catch (OneHost.StartupException e) {
      System.out.println("class-data training: up cannot start here (" + e.getMessage().lines().findFirst().orElse("")
          + "), so its archives hold only what a start loads before that");
      return;
    }
    try {
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/", "/v1", "/v1/hosts/" + h.host() + "/totals", "/v1/cgroups/top?by=cpu_delay_total",
          "/v1/commands/top?by=exits&last=1h", "/v1/agents", "/metrics")) {
        http.send(HttpRequest.newBuilder(URI.create(h.url() + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding());
      }
      h.statusLine();
    } finally {
      h.stop(line -> {});
    }
  }
}
