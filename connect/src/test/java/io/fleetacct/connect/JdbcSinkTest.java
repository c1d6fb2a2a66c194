package io.fleetacct.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.connect.testing.PostgresCluster;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse path end to end: exits through the streams application, its output topics and the
 * raw exits through a real Connect worker with the Debezium JDBC sink and this converter into a
 * real PostgreSQL. SQL over the sink tables must equal the query API key by key, hold one row per
 * exit, and an undecodable record must go to the connector's dead-letter topic, not into a table.
 */
@WithKafkaBroker
@IntegrationTest
class JdbcSinkTest {

  private static final int EXITS = 1_000;
  // Recent: the broker deletes records older than the topic retention (7 days) by their timestamps.
  private static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).minusSeconds(600);
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void trust() {
    io.fleetacct.schema.serde.FleetacctSchemas.trustGeneratedClasses();
  }

  private static TaskExit exit(int i) {
    TaskExit e = SampleRecords.singleThreadedExit(i / 5);
    e.setHost("host-" + i % 5);
    e.setAgentInstance("agent-" + i % 5);
    e.setCgroup("/svc-" + i % 7);
    e.getTask().setAcComm("cmd-" + i % 3);
    e.setCommand(e.getTask().getAcComm());
    e.getTask().setCpuDelayTotal(1_000L + i);
    e.setReceivedAt(T0.plusMillis(i * 150L)); // 150 s: three 1-minute windows
    return e;
  }

  @Test
  void sinkTablesEqualTheQueryApiAndHoldOneRowPerExit(EmbeddedKafkaBroker broker, @TempDir Path tmp)
      throws Exception {
    try (PostgresCluster pg = PostgresCluster.start()) {
      String id = "sink" + UUID.randomUUID().toString().substring(0, 6);
      FleetacctTopology.Config topology = new FleetacctTopology.Config(id + ".exits", id + ".status", id + ".dlq",
          id + ".", Duration.ofMinutes(1), Duration.ofDays(7));
      Properties extra = new Properties();
      try (StreamsApp app = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), id,
          tmp.resolve("streams"), "127.0.0.1", 0, "127.0.0.1", 0, topology, 2, extra))) {
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
          for (int i = 0; i < EXITS; i++) {
            TaskExit e = exit(i);
            p.send(new ProducerRecord<>(topology.exitsTopic(), null, e.getReceivedAt().toEpochMilli(), e.getHost(),
                FleetacctSerdes.taskExit().serialize("t", e)));
          }
          p.send(new ProducerRecord<>(topology.exitsTopic(), "host-0", "garbage, not a record".getBytes()));
        }
        awaitHostsSum(app, EXITS);

        Connect<StandaloneHerder> worker = startWorker(broker, tmp);
        try {
          Map<String, String> common = Map.of(
              "connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector",
              "connection.url", pg.jdbcUrl(), "connection.username", "postgres", "connection.password", "",
              "schema.evolution", "basic", "tasks.max", "1",
              "errors.tolerance", "all", "errors.deadletterqueue.topic.name", id + ".connect-dlq",
              "errors.deadletterqueue.topic.replication.factor", "1",
              "errors.deadletterqueue.context.headers.enable", "true");
          create(worker, "exits", common, Map.of("topics", topology.exitsTopic(),
              "key.converter", "org.apache.kafka.connect.storage.StringConverter",
              "value.converter", FleetacctAvroConverter.class.getName(), "value.converter.flatten", "true",
              "insert.mode", "insert", "primary.key.mode", "none", "table.name.format", "exits"));
          create(worker, "totals", common, Map.of("topics", id + ".totals.by-host-cgroup",
              "key.converter", FleetacctAvroConverter.class.getName(),
              "value.converter", FleetacctAvroConverter.class.getName(),
              "insert.mode", "upsert", "primary.key.mode", "record_key", "primary.key.fields", "host,cgroup",
              "table.name.format", "totals_by_host_cgroup"));
          create(worker, "windows", common, Map.of("topics", id + ".windows.by-cgroup",
              "key.converter", FleetacctAvroConverter.class.getName(),
              "value.converter", FleetacctAvroConverter.class.getName(),
              "insert.mode", "upsert", "primary.key.mode", "record_key",
              "primary.key.fields", "cgroup,window_start", "table.name.format", "windows_by_cgroup"));

          try (Connection sql = pg.connect()) {
            awaitRows(sql, "exits", EXITS);
            awaitRows(sql, "totals_by_host_cgroup", 35);
            awaitRows(sql, "windows_by_cgroup", 7 * 3);
            Thread.sleep(2_000); // let the last upserts land
            assertThat(count(sql, "select count(*) from exits")).isEqualTo(EXITS);
            assertThat(count(sql, "select count(distinct (agent_instance, agent_seq)) from exits")).isEqualTo(EXITS);
            assertThat(count(sql, "select sum(task_cpu_delay_total) from exits"))
                .isEqualTo(EXITS * 1_000L + (long) EXITS * (EXITS - 1) / 2);

            for (int h = 0; h < 5; h++) {
              for (int c = 0; c < 7; c++) {
                JsonNode api = get(app, "/v1/hosts/host-" + h + "/cgroups/totals?path="
                    + URLEncoder.encode("/svc-" + c, StandardCharsets.UTF_8));
                assertThat(row(sql, "select " + String.join(", ", FIELDS) + " from"
                    + " totals_by_host_cgroup where host = 'host-" + h + "' and cgroup = '/svc-" + c + "'"))
                    .as("host-%d /svc-%d", h, c).isEqualTo(fields(api));
              }
            }
            for (int c = 0; c < 7; c++) {
              JsonNode series = get(app, "/v1/cgroups/series?path=" + URLEncoder.encode("/svc-" + c,
                  StandardCharsets.UTF_8) + "&from=" + T0.minusSeconds(60) + "&to=" + T0.plusSeconds(300));
              assertThat(series.get("windows")).hasSize(3);
              for (JsonNode w : series.get("windows")) {
                assertThat(row(sql, "select " + String.join(", ", FIELDS) + " from"
                    + " windows_by_cgroup where cgroup = '/svc-" + c + "' and window_start = '"
                    + w.get("start").asText().replace("T", " ").replace("Z", "") + "'"))
                    .as("/svc-%d window %s", c, w.get("start")).isEqualTo(fields(w));
              }
            }

            // The quantile columns: within 1% of the exact quantiles of each window's exits (each
            // exit's CPU wait per run), and the sketch column decodes, with the library alone, to them.
            Map<String, List<Double>> waits = new TreeMap<>();
            for (int i = 0; i < EXITS; i++) {
              TaskExit e = exit(i);
              Instant start = e.getReceivedAt().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
              waits.computeIfAbsent(e.getCgroup() + "|" + start, k -> new ArrayList<>())
                  .add((double) e.getTask().getCpuDelayTotal() / e.getTask().getCpuCount());
            }
            assertThat(waits).hasSize(7 * 3);
            for (Map.Entry<String, List<Double>> w : waits.entrySet()) {
              String[] key = w.getKey().split("\\|");
              List<Double> sorted = w.getValue().stream().sorted().toList();
              try (Statement s = sql.createStatement(); ResultSet r = s.executeQuery("select cpu_delay_avg_p50,"
                  + " cpu_delay_avg_p90, cpu_delay_avg_p99, cpu_delay_avg_sketch from windows_by_cgroup where cgroup = '"
                  + key[0] + "' and window_start = '" + key[1].replace("T", " ").replace("Z", "") + "'")) {
                assertThat(r.next()).as(w.getKey()).isTrue();
                double[] qs = {0.5, 0.9, 0.99};
                for (int q = 0; q < qs.length; q++) {
                  double exact = sorted.get((int) Math.floor(qs[q] * (sorted.size() - 1)));
                  assertThat((double) r.getLong(q + 1)).as("%s p%s", w.getKey(), qs[q])
                      .isCloseTo(exact, within(Math.max(1, exact * 0.01)));
                }
                DDSketch sketch = DDSketch.decode(ByteArrayInput.wrap(r.getBytes(4)), UnboundedSizeDenseStore::new);
                assertThat(sketch.getCount()).as("%s sketch", w.getKey()).isEqualTo(sorted.size());
              }
            }

            // A host's exit that reaches Kafka 10 minutes after its minute, behind a later one of the
            // same cgroup: the window row the sink holds already is upserted with it, still one row.
            String firstWindow = "select " + String.join(", ", FIELDS) + " from"
                + " windows_by_cgroup where cgroup = '/svc-0' and window_start = '"
                + T0.toString().replace("T", " ").replace("Z", "") + "'";
            long before = row(sql, firstWindow).get("exits");
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
              List<Instant> times = List.of(T0.plusSeconds(600), T0.plusSeconds(5));
              for (int seq = 0; seq < times.size(); seq++) {
                Instant at = times.get(seq);
                TaskExit e = exit(0);
                e.setHost("host-late");
                e.setAgentInstance("agent-late");
                e.setAgentSeq(seq);
                e.setReceivedAt(at);
                p.send(new ProducerRecord<>(topology.exitsTopic(), null, at.toEpochMilli(), e.getHost(),
                    FleetacctSerdes.taskExit().serialize("t", e)));
                p.flush();
                if (seq == 0) { // counted first: stream time is 10 minutes on when the late one comes
                  awaitRows(sql, "windows_by_cgroup", 7 * 3 + 1);
                }
              }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (row(sql, firstWindow).get("exits") == before && System.nanoTime() < deadline) {
              Thread.sleep(200);
            }
            JsonNode late = get(app, "/v1/cgroups/series?path=%2Fsvc-0&from=" + T0 + "&to=" + T0);
            assertThat(late.get("windows").get(0).get("exits").asLong()).isEqualTo(before + 1);
            assertThat(row(sql, firstWindow)).as("the late exit's window row, upserted").isEqualTo(
                fields(late.get("windows").get(0)));
            assertThat(count(sql, "select count(*) from windows_by_cgroup")).isEqualTo(7 * 3 + 1);
          }
          assertThat(countRecords(broker, id + ".connect-dlq")).as("the garbage record, dead-lettered").isEqualTo(1);
        } finally {
          worker.stop();
        }
      }
    }
  }

  private static final List<String> FIELDS = List.of("exits", "processes", "cpu_count", "cpu_delay_total", "ac_utime",
      "ac_stime", "cpu_delay_avg_p50", "cpu_delay_avg_p90", "cpu_delay_avg_p99", "blkio_delay_avg_p99");

  private static Map<String, Long> fields(JsonNode n) {
    Map<String, Long> m = new LinkedHashMap<>();
    FIELDS.forEach(f -> m.put(f, n.get(f).asLong()));
    return m;
  }

  private static Map<String, Long> row(Connection sql, String query) throws Exception {
    try (Statement s = sql.createStatement(); ResultSet r = s.executeQuery(query)) {
      assertThat(r.next()).as("a row for %s", query).isTrue();
      Map<String, Long> m = new LinkedHashMap<>();
      for (String f : FIELDS) {
        m.put(f, r.getLong(f));
      }
      assertThat(r.next()).as("one row for %s", query).isFalse();
      return m;
    }
  }

  private static long count(Connection sql, String query) throws Exception {
    try (Statement s = sql.createStatement(); ResultSet r = s.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static void awaitRows(Connection sql, String table, long rows) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    long seen = -1;
    while (System.nanoTime() < deadline) {
      try {
        seen = count(sql, "select count(*) from " + table);
        if (seen >= rows) {
          return;
        }
      } catch (java.sql.SQLException e) {
        // the sink has not created the table yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError(table + ": " + seen + " rows after 90 s, expected " + rows);
  }

  private static Connect<StandaloneHerder> startWorker(EmbeddedKafkaBroker broker, Path tmp) {
    Map<String, String> props = new HashMap<>();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
    props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    props.put("offset.storage.file.filename", tmp.resolve("connect.offsets").toString());
    props.put("plugin.path", Path.of("target/connect-plugins").toAbsolutePath().toString());
    props.put("plugin.discovery", "service_load");
    props.put("listeners", "http://127.0.0.1:0");
    props.put("offset.flush.interval.ms", "500");
    return new ConnectStandalone().startConnect(props);
  }

  private static void create(Connect<StandaloneHerder> worker, String name, Map<String, String> common,
                             Map<String, String> specific) throws Exception {
    Map<String, String> config = new HashMap<>(common);
    config.putAll(specific);
    config.put("name", name);
    FutureCallback<Herder.Created<ConnectorInfo>> done = new FutureCallback<>();
    worker.herder().putConnectorConfig(name, config, true, done);
    done.get(60, TimeUnit.SECONDS);
  }

  private void awaitHostsSum(StreamsApp app, long exits) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      long sum = 0;
      for (JsonNode n : get(app, "/v1/hosts/top?by=exits&limit=100").get("rows")) {
        sum += n.get("exits").asLong();
      }
      if (sum == exits) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the streams application did not count " + exits + " exits within 60 s");
  }

  private JsonNode get(StreamsApp app, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.url() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private static long countRecords(EmbeddedKafkaBroker broker, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.GROUP_ID_CONFIG, "count-" + UUID.randomUUID()), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long n = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        n += c.poll(Duration.ofMillis(500)).count();
      }
      return n;
    }
  }
}
