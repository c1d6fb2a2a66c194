package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.streams.topology.Tables;
import io.fleetacct.streams.topology.TopologyFixture;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers over two instances without a broker: every store has two partitions, instance A holds
 * partition 0 (host a's exits), instance B partition 1 (host b's); A answers, asking B for its
 * share as a peer would (B answers the scoped request from its own stores).
 */
class AnswersTest {

  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final Instant NOW = T0.plus(Duration.ofMinutes(30));
  private static final HostInfo A = new HostInfo("a", 1);
  private static final HostInfo B = new HostInfo("b", 2);
  /** The partition of each key of the test; every other key is in partition 0. */
  private static final Map<String, Integer> IN_B = Map.of("b", 1, "/batch", 1, "make", 1, "cc1", 1);

  @TempDir Path dir;
  private TopologyFixture dataA;
  private TopologyFixture dataB;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Routes routes = new Routes(Duration.ofDays(7), Clock.fixed(NOW, ZoneOffset.UTC));
  /** What A asked B: the paths of the requests it forwarded. */
  private final List<String> askedPeers = new ArrayList<>();
  private Answers a;

  @BeforeEach
  void start() throws Exception {
    dataA = new TopologyFixture(dir.resolve("a"), NOW);
    dataB = new TopologyFixture(dir.resolve("b"), NOW);
    dataA.send(TopologyFixture.exit("a", "/web", "nginx", 1, 1, true, 2, 600), T0);
    dataA.send(TopologyFixture.exit("a", "/db", "postgres", 2, 2, true, 100, 1_000), T0.plusSeconds(60));
    dataB.send(TopologyFixture.exit("b", "/batch", "make", 3, 3, true, 10, 500), T0.plusSeconds(120));
    dataB.send(TopologyFixture.exit("b", "/batch", "cc1", 4, 4, true, 10, 500), T0.plusSeconds(120));
    dataB.send(TopologyFixture.exit("b", "/batch", "cc1", 5, 5, true, 10, 500), T0.plusSeconds(120));
    Answers b = answers(B, dataB, 1, (peer, uri, scope) -> {
      throw new AssertionError("a scoped request is never forwarded again");
    });
    a = answers(A, dataA, 0, (peer, uri, scope) -> {
      synchronized (askedPeers) {
        askedPeers.add(peer.host() + " " + uri.getPath());
      }
      try {
        return b.answer((Query) routes.parse(uri).route(), Optional.of(scope), uri);
      } catch (BadRequest e) {
        throw new AssertionError(e);
      }
    });
  }

  @AfterEach
  void stop() {
    executor.shutdownNow();
    dataA.close();
    dataB.close();
  }

  private Answers answers(HostInfo self, TopologyFixture data, int partition, Peers peers) {
    LocalStores local = new LocalStores(new QueryFakes.Stores(data.driver(), partition), new StoreReadiness(Map::of),
        data.config().windowSize());
    return new Answers(local, new Placement(twoPartitions()), new Fanout(executor), peers, self, Duration.ofDays(7),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static Placement.Metadata twoPartitions() {
    return new Placement.Metadata() {
      @Override
      public KeyQueryMetadata forKey(String store, String key) {
        int p = IN_B.getOrDefault(key, 0);
        return new KeyQueryMetadata(p == 0 ? A : B, Set.of(), p);
      }

      @Override
      @SuppressWarnings("removal")
      public KeyQueryMetadata forKey(String store, String key, StreamPartitioner<String, Object> partitioner) {
        int p = partitioner.partitions("topic", key, null, 2).orElseThrow().iterator().next();
        return new KeyQueryMetadata(p == 0 ? A : B, Set.of(), p);
      }
    };
  }

  private JsonNode get(String uri) throws Exception {
    URI u = URI.create(uri);
    return a.answer((Query) routes.parse(u).route(), Optional.empty(), u);
  }

  @Test
  void aRankingIsTheBestOfEveryInstancesRowsWithTheirExactTotals() throws Exception {
    JsonNode top = get("/v1/cgroups/top?by=exits&limit=2");

    assertThat(top.get("rows")).hasSize(2);
    assertThat(top.get("rows").get(0).get("key").asText()).isEqualTo("/batch");
    assertThat(top.get("rows").get(0).get("exits").asLong()).isEqualTo(3);
    assertThat(top.get("rows").get(0).get("cpu_delay_total").asLong()).isEqualTo(1_500);
    assertThat(top.get("rows").get(1).get("key").asText()).as("ties by key").isEqualTo("/db");
    assertThat(top.get("delivered_until").isNull()).as("all-time: no agent behind").isTrue();
    assertThat(askedPeers).containsExactlyInAnyOrder("b /v1/cgroups/top", "b /v1/agents");

    JsonNode ranged = get("/v1/commands/top?by=cpu_delay_total&from=2026-12-05T10:00:00Z&to=2026-12-05T10:02:00Z");
    assertThat(ranged.get("rows").findValuesAsText("key")).as("the range's first two minutes: host a's programs")
        .containsExactly("postgres", "nginx");
  }

  @Test
  void aKeyIsReadWhereItLivesAndA404ThereIsTheAnswer() throws Exception {
    assertThat(get("/v1/hosts/a/totals").get("exits").asLong()).isEqualTo(2);
    assertThat(askedPeers).as("B only for its heartbeats (completeness)").containsExactly("b /v1/agents");
    assertThat(get("/v1/cgroups/totals?path=/batch").get("exits").asLong()).isEqualTo(3);
    assertThat(askedPeers).contains("b /v1/cgroups/totals");

    assertThatThrownBy(() -> get("/v1/hosts/c/totals")).isInstanceOfSatisfying(ErrorAnswer.class,
        e -> assertThat(e.status).isEqualTo(404));
  }

  @Test
  void anUnknownKeyIsA404OnEveryEndpointThatNamesOneAndAKnownOneAnswersWhereverItLives() throws Exception {
    String range = "from=2026-12-05T10:00:00Z&to=2026-12-05T10:05:00Z";
    for (String uri : List.of("/v1/hosts/c/totals", "/v1/hosts/c/series?" + range, "/v1/hosts/c/cgroups/top?by=exits",
        "/v1/cgroups/totals?path=/nope", "/v1/cgroups/series?path=/nope&" + range, "/v1/cgroups/hosts?path=/nope&by=exits",
        "/v1/hosts/a/cgroups/series?path=/batch&" + range, "/v1/commands/nope/series?" + range,
        "/v1/commands/nope/threads/top?by=exits", "/v1/commands/nope%2Fx%20y/threads/top?by=exits")) {
      assertThatThrownBy(() -> get(uri)).as(uri).isInstanceOfSatisfying(ErrorAnswer.class,
          e -> assertThat(e.status).isEqualTo(404));
    }

    // Known keys (some whose totals live on B: the check asks B) answer as before.
    assertThat(get("/v1/cgroups/hosts?path=/batch&by=exits").get("rows").findValuesAsText("key")).containsExactly("b");
    assertThat(get("/v1/commands/cc1/threads/top?by=exits").get("rows").get(0).get("exits").asLong()).isEqualTo(2);
    assertThat(get("/v1/hosts/a/cgroups/series?path=/web&" + range).get("windows")).hasSize(1);
    assertThat(askedPeers).contains("b /v1/cgroups/totals", "b /v1/commands/cc1/totals");
    askedPeers.clear();
    get("/v1/hosts/a/series?" + range);
    assertThat(askedPeers).as("the key check reads the totals only; the heartbeats once, for the series")
        .containsExactly("b /v1/agents");
    assertThat(get("/v1/hosts/a/cgroups/top?from=2026-12-05T11:00:00Z&to=2026-12-05T11:05:00Z&by=exits")
        .get("rows")).as("a known key with nothing in the range: empty rows, not a 404").isEmpty();
  }

  @Test
  void aSeriesCarriesTheWindowsOfItsRangeAndSaysWhetherItIsComplete() throws Exception {
    JsonNode series = get("/v1/hosts/b/series?from=2026-12-05T10:00:00Z&to=2026-12-05T10:05:00Z");

    assertThat(series.get("windows")).singleElement().satisfies(w -> {
      assertThat(w.get("start").asText()).isEqualTo("2026-12-05T10:02:00Z");
      assertThat(w.get("exits").asLong()).isEqualTo(3);
    });
    assertThat(series.get("complete").asBoolean()).as("no agent behind").isTrue();
  }

  @Test
  void aForwardedRequestMustNameTheStoresItsQueryReads() {
    URI u = URI.create("/v1/hosts/a/totals");
    Query q = new Query.Totals(Tables.BY_HOST, "a", "a");

    assertThatThrownBy(() -> a.answer(q, Optional.of(Scope.of(Tables.BY_CGROUP.totalsStore(), List.of(0))), u))
        .isInstanceOf(BadRequest.class).hasMessageContaining("this query reads [" + Tables.BY_HOST.totalsStore());
  }
}
