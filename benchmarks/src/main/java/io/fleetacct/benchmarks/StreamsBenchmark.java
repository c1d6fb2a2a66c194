package io.fleetacct.benchmarks;

import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One streams instance with exactly-once against the embedded broker on this machine:
 * (1) throughput: N exits produced up front (100 hosts, 500 cgroups, 50 commands), timed from the
 * start of processing until the query API counts all of them; (2) latency: under a steady
 * background load, marker exits with commands of their own, timed from their record timestamp
 * until the query API shows them.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.StreamsBenchmark [exits]}
 */
public final class StreamsBenchmark {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    int exits = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    Path state = Files.createTempDirectory("fleetacct-streams-bench-");
    AvroSerde<TaskExit> serde = FleetacctSerdes.taskExit();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      FleetacctTopology.Config topology = FleetacctTopology.Config.defaults();
      broker.createTopic(topology.exitsTopic(), 6);
      Map<String, Object> producerProps = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
          ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
          ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
      Instant t0 = Instant.now().minusSeconds(3600);
      try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producerProps, new StringSerializer(),
          new ByteArraySerializer())) {
        for (int i = 0; i < exits; i++) {
          TaskExit e = exit(i, t0.plusMillis(i / 100));
          p.send(new ProducerRecord<>(topology.exitsTopic(), null, e.getReceivedAt().toEpochMilli(), e.getHost(),
              serde.serialize("t", e)));
        }
      }
      Properties extra = new Properties();
      StreamsApp app = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), "bench", state, "127.0.0.1",
          0, "127.0.0.1", 0, topology, 6, extra));
      try {
        long start = System.nanoTime();
        while (countedHosts(app) < exits) {
          Thread.sleep(200);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("streams throughput (exactly_once_v2, 1 instance, 6 partitions): %d exits in %.1f s ="
            + " %.0f exits/s (from start-up, including task assignment)%n", exits, seconds, exits / seconds);

        List<Long> latencies = new ArrayList<>();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(),
            new ByteArraySerializer())) {
          int background = exits;
          for (int marker = 0; marker < 200; marker++) {
            for (int k = 0; k < 500; k++) { // ~5,000 exits/s of background load at 10 markers/s
              TaskExit e = exit(background++, Instant.now());
              p.send(new ProducerRecord<>(topology.exitsTopic(), null, e.getReceivedAt().toEpochMilli(), e.getHost(),
                  serde.serialize("t", e)));
            }
            TaskExit m = exit(background++, Instant.now());
            m.getTask().setAcComm("lat-" + marker);
            long sent = m.getReceivedAt().toEpochMilli();
            p.send(new ProducerRecord<>(topology.exitsTopic(), null, sent, m.getHost(), serde.serialize("t", m)));
            p.flush();
            while (status(app, "/v1/commands/lat-" + marker + "/totals") != 200) {
              Thread.sleep(5);
            }
            latencies.add(System.currentTimeMillis() - sent);
            Thread.sleep(Math.max(0, 100 - (System.currentTimeMillis() - sent)));
          }
        }
        Collections.sort(latencies);
        System.out.printf("latency from record timestamp to the query API (200 markers under ~5,000 exits/s):"
                + " p50 %d ms, p99 %d ms, max %d ms%n", latencies.get(99), latencies.get(197),
            latencies.get(latencies.size() - 1));
      } finally {
        app.close();
      }
    }
  }

  private static TaskExit exit(int i, Instant at) {
    TaskExit e = SampleRecords.singleThreadedExit(i / 100);
    e.setHost("host-" + i % 100);
    e.setAgentInstance("agent-" + i % 100);
    e.setAgentSeq(i / 100);
    e.setCgroup("/fleet/svc-" + i * 7 % 500);
    e.getTask().setAcComm("cmd-" + i * 13 % 50);
    e.setReceivedAt(at);
    return e;
  }

  private static long countedHosts(StreamsApp app) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(app.url()
        + "/v1/hosts/top?by=exits&limit=100")).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return 0;
    }
    long sum = 0;
    for (var n : new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body())) {
      sum += n.get("exits").asLong();
    }
    return sum;
  }

  private static int status(StreamsApp app, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(app.url() + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
