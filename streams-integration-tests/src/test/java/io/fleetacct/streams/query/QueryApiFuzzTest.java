package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running query server under fuzzed requests: every answer is 2xx or 4xx, never a 5xx (503
 * while stores are not ready is not expected here: the instance is RUNNING). Requests:
 * -Dfleetacct.fuzz.requests (default 3,000).
 */
@WithKafkaBroker
@IntegrationTest
class QueryApiFuzzTest {

  private static final int REQUESTS = Integer.getInteger("fleetacct.fuzz.requests", 3_000);

  @Test
  void everyAnswerIs2xxOr4xx(EmbeddedKafkaBroker broker, @TempDir Path state) throws Exception {
    String id = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);
    FleetacctTopology.Config t = new FleetacctTopology.Config(id + ".exits", id + ".status", id + ".dlq", id + ".",
        Duration.ofMinutes(1), Duration.ofDays(7));
    try (StreamsApp app = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), id, state, "127.0.0.1", 0,
        "127.0.0.1", 0, t, 2, new Properties()))) {
      assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
      HttpClient http = HttpClient.newHttpClient();
      SplittableRandom random = new SplittableRandom(20261125L);
      TreeMap<Integer, Integer> byStatus = new TreeMap<>();
      for (int i = 0; i < REQUESTS; i++) {
        String request = QueryFuzzing.request(random);
        URI uri;
        try {
          uri = new URI(app.url() + request);
        } catch (URISyntaxException e) {
          continue;
        }
        int status = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        byStatus.merge(status, 1, Integer::sum);
        assertThat(status).as(request).isBetween(200, 499);
      }
      System.out.println("query API fuzz: answers by status " + byStatus);
    }
  }
}
