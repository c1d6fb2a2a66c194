package io.fleetacct.streams;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A clean stop leaves state that the next start on the same directory uses as it is: nothing is
 * restored from a changelog, no task is taken as corrupted, and the counts go on exactly. The
 * exits key one host, one cgroup and one program, so that most tasks of each table hold nothing
 * (their window stores never got a segment), as on a single host.
 */
@IntegrationTest
@WithKafkaBroker
class CleanRestartTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path state;

  @Test
  void aRestartAfterACleanStopRestoresNothingAndCountsOn(EmbeddedKafkaBroker broker) throws Exception {
    String app = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    FleetacctTopology.Config topology = new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger kafka = (Logger) LoggerFactory.getLogger("org.apache.kafka.streams");
    logged.start();
    kafka.addAppender(logged);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
      StreamsApp first = start(broker, app, topology);
      send(producer, topology, 0, 30);
      // Every table has counted them before the stop: a window segment that a task created just
      // before a clean stop once came back without its offset in Kafka Streams 4.4 (CI, the three
      // tables counted last), so that the restart took those tasks as corrupted.
      for (String table : tables()) {
        awaitExits(first, table, 30);
      }
      assertThat(first.stop(true)).as("the first run closed cleanly").isTrue();

      logged.list.clear();
      StreamsApp second = start(broker, app, topology);
      try {
        send(producer, topology, 30, 5);
        awaitExits(second, "/v1/hosts/only-host/totals", 35);
        assertThat(second.restoredRecords()).as("records restored from changelogs after a clean stop").isZero();
      } finally {
        assertThat(second.stop(true)).isTrue();
      }
      // This application's stream threads only: another test class may run beside this one.
      List<String> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .filter(e -> e.getThreadName().startsWith(app + "-")).map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(warnings).as("tasks taken as corrupted at the restart")
          .noneMatch(m -> m.contains("corrupted") || m.contains("did not find checkpoint"));

    } finally {
      kafka.detachAppender(logged);
    }
  }

  private StreamsApp start(EmbeddedKafkaBroker broker, String app, FleetacctTopology.Config topology)
      throws Exception {
    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    StreamsApp s = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app, state, "127.0.0.1", 0,
        "127.0.0.1", 0, topology, 2, extra));
    assertThat(s.awaitRunning(Duration.ofSeconds(60))).as("streams running").isTrue();
    return s;
  }

  private static void send(KafkaProducer<String, byte[]> producer, FleetacctTopology.Config topology, long firstSeq,
                           int n) {
    for (int i = 0; i < n; i++) {
      TaskExit e = SampleRecords.singleThreadedExit(firstSeq + i);
      e.setHost("only-host");
      e.setAgentInstance("restart-agent");
      e.setReceivedAt(Instant.now());
      producer.send(new ProducerRecord<>(topology.exitsTopic(), null, e.getReceivedAt().toEpochMilli(), e.getHost(),
          FleetacctSerdes.taskExit().serialize("t", e)));
    }
    producer.flush();
  }

  /** The totals of the exits' key in each table (the program's threads: its top thread name's row). */
  private static List<String> tables() {
    TaskExit e = SampleRecords.singleThreadedExit(0);
    String cgroup = "path=" + e.getCgroup();
    return List.of("/v1/hosts/only-host/totals", "/v1/cgroups/totals?" + cgroup,
        "/v1/hosts/only-host/cgroups/totals?" + cgroup, "/v1/commands/" + e.getCommand() + "/totals",
        "/v1/commands/" + e.getCommand() + "/threads/top?by=exits&limit=1");
  }

  private void awaitExits(StreamsApp app, String path, long exits) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long seen = -1;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.url() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonNode t = json.readTree(r.body());
        JsonNode row = t.has("rows") ? t.path("rows").path(0) : t;
        seen = row.path("exits").asLong(-1);
        if (seen == exits) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + ": " + seen + " exits counted, not " + exits);
  }
}
