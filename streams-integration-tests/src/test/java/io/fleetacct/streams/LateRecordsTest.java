package io.fleetacct.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts feed one cgroup; host b is cut off from Kafka for most of the range while host a
 * streams on (stream time runs 10 minutes ahead of b's exits), then b delivers what it spooled,
 * with their own times. Through the real broker and Kafka Streams: while b is behind, the range's
 * answers say incomplete and name b; after, complete, and every table's windows over the range hold
 * exactly its all-time totals, minute by minute a and b alike. Kafka Streams drops nothing.
 */
@IntegrationTest
@WithKafkaBroker
class LateRecordsTest {

  private static final int MINUTES = 10;
  private static final int PER_MINUTE = 7;
  private static final String CGROUP = "/late/svc";

  @TempDir Path state;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void exitsDeliveredLongAfterTheirMinuteLandInItAndAnswersSayWhenTheyAreComplete(EmbeddedKafkaBroker broker)
      throws Exception {
    String app = "late-" + UUID.randomUUID().toString().substring(0, 8);
    FleetacctTopology.Config t = new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    Instant now = Instant.now();
    Instant t0 = now.minus(MINUTES + 5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MINUTES);
    Instant end = t0.plus(MINUTES, ChronoUnit.MINUTES);
    String range = "&from=" + t0 + "&to=" + end;
    try (StreamsApp streams = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app, state,
        "127.0.0.1", 0, "127.0.0.1", 0, t, 2, extra));
         KafkaProducer<String, byte[]> p = new KafkaProducer<>(
             Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
             new StringSerializer(), new ByteArraySerializer())) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(60))).isTrue();
      // a streams through the whole range; b delivers its first two minutes, then is cut off.
      for (int m = 0; m < MINUTES; m++) {
        exits(p, app, t0, "a", m);
        if (m < 2) {
          exits(p, app, t0, "b", m);
        }
      }
      p.send(status(app, "a", now, now, MINUTES * PER_MINUTE - 1));
      p.send(status(app, "b", t0.plus(2, ChronoUnit.MINUTES), t0.plus(2, ChronoUnit.MINUTES), 2 * PER_MINUTE - 1));
      p.flush();
      awaitExits(streams.url() + "/v1/hosts/a/totals", MINUTES * PER_MINUTE);
      awaitExits(streams.url() + "/v1/hosts/b/totals", 2 * PER_MINUTE);

      JsonNode cut = get(streams.url() + "/v1/cgroups/top?by=exits&limit=10" + range);
      assertThat(cut.get("complete").asBoolean()).as("b is behind: %s", cut).isFalse();
      assertThat(cut.get("behind")).hasSize(1);
      assertThat(cut.get("behind").get(0).get("host").asText()).isEqualTo("b");
      assertThat(cut.get("behind").get(0).get("delivered_until").asText())
          .isEqualTo(t0.plus(2, ChronoUnit.MINUTES).toString());
      assertThat(get(streams.url() + "/v1/hosts/top?by=exits&limit=10").get("delivered_until").asText())
          .as("all-time: the fleet's oldest watermark").isEqualTo(t0.plus(2, ChronoUnit.MINUTES).toString());
      JsonNode early = get(streams.url() + "/v1/cgroups/top?by=exits&limit=10&from=" + t0 + "&to="
          + t0.plus(2, ChronoUnit.MINUTES));
      assertThat(early.get("complete").asBoolean()).as("a range b has delivered: %s", early).isTrue();

      // b is back: its spool, 8 minutes late, then a heartbeat that says everything is delivered.
      for (int m = 2; m < MINUTES; m++) {
        exits(p, app, t0, "b", m);
      }
      p.send(status(app, "b", now, now, MINUTES * PER_MINUTE - 1));
      p.flush();
      awaitExits(streams.url() + "/v1/hosts/b/totals", MINUTES * PER_MINUTE);
      awaitExits(streams.url() + "/v1/cgroups/totals?path=" + enc(CGROUP), 2 * MINUTES * PER_MINUTE);

      // The windows' rollups follow the all-time tables by a commit or two.
      JsonNode after = awaitRangedExits(streams.url() + "/v1/cgroups/top?by=exits&limit=10" + range,
          2L * MINUTES * PER_MINUTE);
      assertThat(after.get("complete").asBoolean()).as("b delivered everything: %s", after).isTrue();
      for (String key : List.of("/v1/cgroups/series?path=" + enc(CGROUP), "/v1/hosts/a/series?x=1",
          "/v1/hosts/b/series?x=1", "/v1/hosts/b/cgroups/series?path=" + enc(CGROUP),
          "/v1/commands/late-svc/series?x=1")) {
        String url = streams.url() + key.replace("?x=1", "?") + range.substring(key.endsWith("?x=1") ? 1 : 0);
        JsonNode series = get(url);
        List<Long> perMinute = new ArrayList<>();
        series.get("windows").forEach(w -> perMinute.add(w.get("exits").asLong()));
        long each = key.contains("/hosts/") ? PER_MINUTE : 2 * PER_MINUTE;
        assertThat(perMinute).as(url).hasSize(MINUTES).containsOnly(each);
        assertThat(series.get("complete").asBoolean()).as(url).isTrue();
      }
      JsonNode drill = get(streams.url() + "/v1/cgroups/hosts?path=" + enc(CGROUP) + "&by=exits&limit=5" + range);
      assertThat(drill.get("rows")).extracting(r -> r.get("exits").asLong())
          .containsExactly((long) MINUTES * PER_MINUTE, (long) MINUTES * PER_MINUTE);
      assertThat(streams.droppedRecords()).as("Kafka Streams' own dropped-records").isZero();
    }
  }

  /** PER_MINUTE exits of host in the cgroup, in the range's minute m, each agent_seq its place. */
  private static void exits(KafkaProducer<String, byte[]> p, String app, Instant t0, String host, int m) {
    for (int i = 0; i < PER_MINUTE; i++) {
      Instant at = t0.plus(m, ChronoUnit.MINUTES).plusSeconds(5 + 7L * i);
      long seq = (long) m * PER_MINUTE + i;
      TaskExit e = SampleRecords.singleThreadedExit(seq);
      e.setHost(host);
      e.setAgentInstance("instance-" + host);
      e.setAgentSeq(seq);
      e.setCgroup(CGROUP);
      e.setCommand("late-svc");
      e.setReceivedAt(at);
      TaskStats s = SampleRecords.fullTaskStats();
      s.setAcComm("late-svc");
      s.setAcFlag(0x20);
      e.setTask(s);
      e.setThreadGroup(null);
      p.send(new ProducerRecord<>(app + ".exits", null, at.toEpochMilli(), host,
          FleetacctSerdes.taskExit().serialize(app, e)));
    }
  }

  private static ProducerRecord<String, byte[]> status(String app, String host, Instant sentAt,
                                                       Instant deliveredUntil, long highestSeqSent) {
    AgentStatus s = SampleRecords.fullAgentStatus();
    s.setHost(host);
    s.setAgentInstance("instance-" + host);
    s.setSentAt(sentAt);
    s.setDeliveredUntil(deliveredUntil);
    s.setHighestSeqSent(highestSeqSent);
    s.setStoppedAt(null);
    return new ProducerRecord<>(app + ".status", host, FleetacctSerdes.agentStatus().serialize(app, s));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private void awaitExits(String url, long exits) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long seen = -1;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        seen = json.readTree(r.body()).get("exits").asLong();
        if (seen == exits) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(url + ": " + seen + " exits, expected " + exits);
  }

  private JsonNode awaitRangedExits(String url, long exits) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode n = get(url);
    while (n.get("rows").get(0).get("exits").asLong() != exits && System.nanoTime() < deadline) {
      Thread.sleep(100);
      n = get(url);
    }
    assertThat(n.get("rows").get(0).get("exits").asLong()).as("the range holds all of both hosts' exits: %s", n)
        .isEqualTo(exits);
    return n;
  }
}
