package io.fleetacct.streams.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.cli.StreamsCli;
import io.fleetacct.streams.topology.FleetacctTopology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Two instances of one application on a real broker: A in this JVM, B a process of its own
 * (fleetacct-streams run) that a test can kill with SIGKILL; one standby replica, 4 partitions.
 */
public final class TwoInstances implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String appId;
  private final EmbeddedKafkaBroker broker;
  private final StreamsApp a;
  private final ChildJvm b;
  private final String urlB;

  private TwoInstances(String appId, EmbeddedKafkaBroker broker, StreamsApp a, ChildJvm b, String urlB) {
    this.appId = appId;
    this.broker = broker;
    this.a = a;
    this.b = b;
    this.urlB = urlB;
  }

  /** Starts both (1-minute windows, 7 days' retention) and waits until both run. */
  public static TwoInstances start(EmbeddedKafkaBroker broker, String appId, Path stateA, Path stateB)
      throws Exception {
    int portB = LoopbackPorts.free();
    ChildJvm b = ChildJvm.start("streams instance B", StreamsCli.class, stateB.resolve("instance.log"), "run",
        "--bootstrap-servers", broker.bootstrapServers(), "--application-id", appId,
        "--state-dir", stateB.toString(), "--http-port", String.valueOf(portB), "--standby-replicas", "1",
        "--exits-topic", appId + ".exits", "--status-topic", appId + ".status", "--dead-letter-topic", appId + ".dlq",
        "--output-prefix", appId + ".", "--topic-partitions", "4",
        "-X", "commit.interval.ms=100");
    StreamsApp a;
    try {
      a = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), appId, stateA, "127.0.0.1", 0,
          "127.0.0.1", 1, topology(appId), 4, props(Map.of("commit.interval.ms", "100"))));
    } catch (Exception | Error e) {
      b.close();
      throw e;
    }
    TwoInstances both = new TwoInstances(appId, broker, a, b, "http://127.0.0.1:" + portB);
    try {
      assertThat(a.awaitRunning(Duration.ofSeconds(60))).as("instance A running").isTrue();
      both.awaitRunningB(stateB);
    } catch (Exception | Error e) {
      both.close();
      throw e;
    }
    return both;
  }

  public static FleetacctTopology.Config topology(String appId) {
    return new FleetacctTopology.Config(appId + ".exits", appId + ".status", appId + ".dlq", appId + ".",
        Duration.ofMinutes(1), Duration.ofDays(7));
  }

  private static Properties props(Map<String, String> m) {
    Properties p = new Properties();
    p.putAll(m);
    return p;
  }

  public StreamsApp a() {
    return a;
  }

  public String urlA() {
    return a.url();
  }

  public String urlB() {
    return urlB;
  }

  /** Publishes the exits to the exits topic, in order, each stamped with its received_at. */
  public void publish(List<TaskExit> exits) {
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new ByteArraySerializer())) {
      for (TaskExit e : exits) {
        p.send(new ProducerRecord<>(appId + ".exits", null, e.getReceivedAt().toEpochMilli(), e.getHost(),
            FleetacctSerdes.taskExit().serialize("t", e)));
      }
      p.flush();
    }
  }

  /** B killed with SIGKILL: no goodbye to the group. */
  public void killB() throws InterruptedException {
    b.kill();
  }

  /** The answer to {@code pathAndQuery}, which must have {@code expectStatus}. */
  public static JsonNode get(String url, String pathAndQuery, int expectStatus) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s: %s", pathAndQuery, r.body()).isEqualTo(expectStatus);
    return JSON.readTree(r.body());
  }

  /** The status and body of {@code pathAndQuery}, whatever they are. */
  public static HttpResponse<String> send(String url, String pathAndQuery) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + pathAndQuery)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void awaitRunningB(Path state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(b.isAlive()).as("instance B exited; its log: %s", state.resolve("instance.log")).isTrue();
      try {
        HttpResponse<String> r = send(urlB, "/healthz");
        if (r.statusCode() == 200 && JSON.readTree(r.body()).get("state").asText().equals("RUNNING")) {
          return;
        }
      } catch (java.net.ConnectException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("instance B not RUNNING within 60 s; its log: " + state.resolve("instance.log"));
  }

  @Override
  public void close() throws InterruptedException {
    try {
      a.close();
    } finally {
      b.close();
    }
  }
}
