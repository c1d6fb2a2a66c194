package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.streams.topology.Aggregate;
import io.fleetacct.streams.topology.Tables;
import io.fleetacct.streams.topology.TopologyFixture;
import io.fleetacct.streams.topology.Totals;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads of this instance's own store partitions: a key's totals (404 for a key never counted), the
 * rankings of one dimension only, and the readiness rule (active here, else a caught-up standby,
 * never a restoring store).
 */
class LocalStoresTest {

  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final Instant NOW = T0.plus(Duration.ofMinutes(30));

  @TempDir Path stateDir;
  private TopologyFixture fixture;
  private QueryFakes.Stores stores;
  private StoreReadiness readiness;
  private LocalStores local;

  @BeforeEach
  void start() {
    fixture = new TopologyFixture(stateDir, NOW);
    stores = new QueryFakes.Stores(fixture.driver());
    readiness = new StoreReadiness(Map::of);
    local = new LocalStores(stores, readiness, fixture.config().windowSize());
    // Two cgroups on host a, one on host b; cpu delay per run: /web 300, /db 10, /batch 50.
    fixture.send(TopologyFixture.exit("a", "/web", "nginx", 1, 1, true, 2, 600), T0);
    fixture.send(TopologyFixture.exit("a", "/db", "postgres", 2, 2, true, 100, 1_000), T0.plusSeconds(60));
    fixture.send(TopologyFixture.exit("b", "/batch", "make", 3, 3, true, 10, 500), T0.plusSeconds(120));
    fixture.send(TopologyFixture.exit("b", "/batch", "cc1", 4, 4, true, 10, 500), T0.plusSeconds(120));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private static long exits(Aggregate a) {
    return a.totals()[Totals.position("exits")];
  }

  @Test
  void aKeysTotalsAndA404ForAKeyNeverCounted() throws Exception {
    assertThat(exits(local.totals(new Query.Totals(Tables.BY_CGROUP, "/batch", "/batch"), 0))).isEqualTo(2);
    assertThat(exits(local.totals(new Query.Totals(Tables.BY_HOST, "a", "a"), 0))).isEqualTo(2);

    assertThatThrownBy(() -> local.totals(new Query.Totals(Tables.BY_HOST, "c", "c"), 0))
        .isInstanceOfSatisfying(ErrorAnswer.class, e -> {
          assertThat(e.status).isEqualTo(404);
          assertThat(e.body.get("error").asText()).isEqualTo("no exits counted for host c");
        });
  }

  @Test
  void aRankingHoldsTheKeysOfItsDimensionOnlyAllTimeAndOverARange() throws Exception {
    Measure avg = Measure.parse("cpu_delay_avg");
    Query.Top allTime = new Query.Top(Dimension.of(Dimension.Kind.CGROUPS), avg, 10, Optional.empty());
    assertThat(local.top(allTime, Set.of(0)).stream().map(Ranking.Row::key))
        .containsExactly("/web", "/batch", "/db");

    Query.Top cgroupsOfB = new Query.Top(Dimension.cgroupsOf("b"), Measure.parse("exits"), 10, Optional.empty());
    assertThat(local.top(cgroupsOfB, Set.of(0))).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo("/batch");
      assertThat(r.totals()[Totals.position("exits")]).isEqualTo(2);
    });

    // The first two minutes hold /web and /db only; the rollups answer a range.
    Query.Top firstTwoMinutes = new Query.Top(Dimension.of(Dimension.Kind.CGROUPS), Measure.parse("exits"), 10,
        Optional.of(new Query.TimeRange(T0, T0.plusSeconds(120))));
    assertThat(local.top(firstTwoMinutes, Set.of(0)).stream().map(Ranking.Row::key)).containsExactly("/db", "/web");
    assertThat(LocalStores.store(firstTwoMinutes)).isNotEqualTo(LocalStores.store(allTime));
  }

  @Test
  void aKeyCountedOnlyOutsideTheWindowsHasTotalsButNoWindowAndNoRangedRow() throws Exception {
    fixture.send(TopologyFixture.exit("c", "/old", "cron", 5, 5, true, 1, 70), NOW.minus(Duration.ofDays(8)));

    assertThat(exits(local.totals(new Query.Totals(Tables.BY_CGROUP, "/old", "/old"), 0))).isEqualTo(1);
    assertThat(fixture.driver().<String, Aggregate>getWindowStore(Tables.BY_CGROUP.windowsStore())
        .fetch("/old", NOW.minus(Duration.ofMinutes(1)), NOW.plus(Duration.ofMinutes(1))))
        .as("an empty window, so the task's window store has a segment for its changelog offset").hasNext();
    assertThat(local.series(new Query.Series(Tables.BY_CGROUP, "/old", "/old", T0, NOW.plusSeconds(60)), 0))
        .as("empty windows are not answered").isEmpty();
    Query.Top lastHour = new Query.Top(Dimension.of(Dimension.Kind.CGROUPS), Measure.parse("exits"), 10,
        Optional.of(new Query.TimeRange(T0, NOW.plusSeconds(60))));
    assertThat(local.top(lastHour, Set.of(0)).stream().map(Ranking.Row::key)).doesNotContain("/old")
        .containsExactly("/batch", "/db", "/web");
  }

  @Test
  void aPartitionNotActiveHereIsReadFromAStandbyOnlyOnceItHasCaughtUp() throws Exception {
    String store = Tables.BY_HOST.totalsStore();
    Query.Totals host = new Query.Totals(Tables.BY_HOST, "a", "a");
    stores.active = false;

    assertThatThrownBy(() -> local.totals(host, 0)).isInstanceOf(Unavailable.class)
        .hasMessageContaining("partition 0 of " + store).hasMessageContaining("no caught-up standby");

    TopicPartition changelog = new TopicPartition("app-" + store + "-changelog", 0);
    readiness.onUpdateStart(changelog, store, 0);
    readiness.onBatchLoaded(changelog, store, new TaskId(0, 0), 99, 100, 100);
    assertThat(exits(local.totals(host, 0))).isEqualTo(2);
    assertThat(stores.asked).last().isEqualTo(store + ":0 (stale)");

    assertThatThrownBy(() -> local.totals(host, 1)).as("a partition that is not here at all")
        .isInstanceOf(Unavailable.class);
  }

  @Test
  void aRestoringPartitionIsUnavailableWithoutBeingRead() {
    String store = Tables.BY_HOST.totalsStore();
    readiness.onRestoreStart(new TopicPartition("app-" + store + "-changelog", 0), store, 0, 1_000);
    int before = stores.reads.get();

    assertThatThrownBy(() -> local.totals(new Query.Totals(Tables.BY_HOST, "a", "a"), 0))
        .isInstanceOf(Unavailable.class).hasMessageContaining("being restored");
    assertThat(stores.reads.get()).isEqualTo(before);
  }
}
