package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running query server as HTTP: GET /v1 lists what it answers, with working links; HEAD answers as GET. */
@WithKafkaBroker
@IntegrationTest
class QueryServerTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void v1ListsTheEndpointsAndHeadAnswersAsGetWithoutABody(EmbeddedKafkaBroker broker, @TempDir Path state)
      throws Exception {
    String id = "server-" + UUID.randomUUID().toString().substring(0, 8);
    FleetacctTopology.Config t = new FleetacctTopology.Config(id + ".exits", id + ".status", id + ".dlq", id + ".",
        Duration.ofMinutes(1), Duration.ofDays(7));
    try (StreamsApp app = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), id, state, "127.0.0.1", 0,
        "127.0.0.1", 0, t, 2, new Properties()))) {
      assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
      HttpResponse<String> index = send("GET", app.url() + "/v1");
      assertThat(index.statusCode()).isEqualTo(200);
      JsonNode endpoints = new ObjectMapper().readTree(index.body()).get("endpoints");
      assertThat(endpoints).hasSize(Endpoint.values().length);
      for (JsonNode e : endpoints) {
        if (e.has("href")) {
          assertThat(send("GET", app.url() + e.get("href").asText()).statusCode()).as(e.get("href").asText())
              .isEqualTo(200);
        }
      }
      for (String path : new String[] {"/v1/agents", "/v1/cgroups/top?by=exits", "/healthz", "/console/app.js",
          "/v1/hosts/nobody/totals"}) {
        HttpResponse<String> get = send("GET", app.url() + path);
        HttpResponse<String> head = send("HEAD", app.url() + path);
        assertThat(head.statusCode()).as("HEAD " + path).isEqualTo(get.statusCode());
        assertThat(head.body()).as("HEAD " + path).isEmpty();
        assertThat(head.headers().firstValue("Content-Length")).as("HEAD " + path)
            .hasValue(String.valueOf(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
      }
      String metrics = send("GET", app.url() + "/metrics").body();
      System.out.printf("query server: /metrics %d bytes%n", metrics.length());
      assertThat(metrics).contains("kafka_streams_stream_thread_metrics_process_rate", "records_lag_max",
          "fleetacct_streams_restored_records", "jvm_memory_used_bytes")
          .doesNotContain("processor_node_id=", "rocksdb_window_state_id=", "partition=", "node_id=\"node");
      HttpResponse<String> post = send("POST", app.url() + "/v1/agents");
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
  }

  private HttpResponse<String> send(String method, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
