package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.schema.TaskExit;
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

  /** 100 exits of /tail on host a, 10 a minute from T0, the i-th waiting 1000 * 1.05^i ns per run (5% apart), no block IO. */
  private long[] sendTail() {
    long[] waits = new long[100];
    for (int i = 0; i < waits.length; i++) {
      waits[i] = Math.round(1_000 * Math.pow(1.05, i));
      TaskExit e = TopologyFixture.exit("a", "/tail", "spin", 100 + i, 100 + i, true, 1, waits[i]);
      e.getTask().setBlkioCount(0L);
      dataA.send(e, T0.plusSeconds(60 * (i / 10) + i % 10));
    }
    return waits;
  }

  private static void assertWithinOnePercent(JsonNode quantiles, String q, long exact) {
    assertThat(quantiles.get(q).asDouble()).as("quantile %s", q).isCloseTo(exact, within(exact * 0.01));
  }

  @Test
  void quantilesOfOneKeysExitsAreWithinOnePercentAllTimeAndOverARangeWithTheCountAboveAThreshold() throws Exception {
    long[] waits = sendTail();
    long between = Math.round(Math.sqrt((double) waits[49] * waits[50])); // 2.5% from either: no bucket holds both

    JsonNode all = get("/v1/cgroups/quantiles?path=/tail&q=0.5,0.9,0.99,1&above=" + between);
    assertThat(all.get("key").asText()).isEqualTo("/tail");
    assertThat(all.get("of").asText()).isEqualTo("cpu_delay_avg");
    assertThat(all.get("exits").asLong()).isEqualTo(100);
    assertThat(all.get("count").asLong()).isEqualTo(100);
    assertWithinOnePercent(all.get("quantiles"), "0.5", waits[49]);
    assertWithinOnePercent(all.get("quantiles"), "0.9", waits[89]);
    assertWithinOnePercent(all.get("quantiles"), "0.99", waits[98]);
    assertWithinOnePercent(all.get("quantiles"), "1", waits[99]);
    assertThat(all.get("above").get("threshold_ns").asLong()).isEqualTo(between);
    assertThat(all.get("above").get("count").asLong()).isEqualTo(50);
    assertThat(all.has("from")).isFalse();

    JsonNode firstFive = get("/v1/cgroups/quantiles?path=/tail&q=0.5&from=2026-12-05T10:00:00Z&to=2026-12-05T10:05:00Z");
    assertThat(firstFive.get("count").asLong()).as("the range's 5 minutes: 50 exits").isEqualTo(50);
    assertWithinOnePercent(firstFive.get("quantiles"), "0.5", waits[24]);
    assertThat(firstFive.get("from").asText()).isEqualTo("2026-12-05T10:00:00Z");
    assertThat(firstFive.get("complete").asBoolean()).as("no agent behind").isTrue();

    JsonNode max = get("/v1/hosts/a/cgroups/quantiles?path=/tail&of=cpu_delay_max&q=0.5");
    assertThat(max.get("count").asLong()).as("version 16 carries each thread's longest wait").isEqualTo(100);

    JsonNode totals = get("/v1/cgroups/totals?path=/tail");
    assertThat(totals.get("cpu_delay_avg_p99").asDouble()).as("totals carry p50, p90, p99 as fields")
        .isCloseTo(waits[98], within(waits[98] * 0.01));
    assertThat(totals.has("cpu_delay_avg_sketch")).as("sketch bytes are for the warehouses").isFalse();
    JsonNode window = get("/v1/cgroups/series?path=/tail&from=2026-12-05T10:00:00Z&to=2026-12-05T10:00:00Z")
        .get("windows").get(0);
    assertWithinOnePercent(window, "cpu_delay_avg_p50", waits[4]);
    assertThat(get("/v1/cgroups/top?by=exits").get("rows").get(0).has("cpu_delay_avg_p50"))
        .as("ranked rows carry totals only").isFalse();

    JsonNode none = get("/v1/cgroups/quantiles?path=/tail&of=blkio_delay_avg");
    assertThat(none.get("count").asLong()).as("no block IO: nothing observed").isZero();
    assertThat(none.get("quantiles").get("0.99").isNull()).isTrue();
  }

  @Test
  void aKeyOnAnotherInstanceAnswersItsQuantilesThereAndAnUnknownOneIs404() throws Exception {
    JsonNode b = get("/v1/hosts/b/quantiles");
    assertThat(askedPeers).contains("b /v1/hosts/b/quantiles");
    assertThat(b.get("count").asLong()).isEqualTo(3);
    assertThat(b.get("quantiles").fieldNames()).toIterable().containsExactly("0.5", "0.9", "0.99");
    assertWithinOnePercent(b.get("quantiles"), "0.99", 50);
    assertThatThrownBy(() -> get("/v1/commands/nope/quantiles")).isInstanceOfSatisfying(ErrorAnswer.class,
        e -> assertThat(e.status).isEqualTo(404));
  }

  @Test
  void aRankingByAQuantileOrdersKeysByTheirTailAndShowsIt() throws Exception {
    long[] waits = sendTail();

    JsonNode top = get("/v1/cgroups/top?by=p99(cpu_delay_avg)");
    assertThat(top.get("rows").findValuesAsText("key")).containsExactly("/tail", "/web", "/batch", "/db");
    assertThat(top.get("rows").get(0).get("p99(cpu_delay_avg)").asDouble()).isCloseTo(waits[98], within(waits[98] * 0.01));
    assertThat(top.get("rows").get(1).get("p99(cpu_delay_avg)").asLong()).isCloseTo(300, within(3L));

    // The first minute: /tail's first ten exits (1,000 to 1,551 ns a run) and /web's one (300).
    JsonNode ranged = get("/v1/cgroups/top?by=p50(cpu_delay_avg)&from=2026-12-05T10:00:00Z&to=2026-12-05T10:01:00Z");
    assertThat(ranged.get("rows").findValuesAsText("key")).containsExactly("/tail", "/web");
    assertThat(ranged.get("rows").get(0).get("p50(cpu_delay_avg)").asDouble()).isCloseTo(waits[4], within(waits[4] * 0.01));
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
