package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StandbyUpdateListener.SuspendReason;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class StoreReadinessTest {

  private static final TopicPartition CHANGELOG = new TopicPartition("app-totals-by-host-changelog", 3);
  private static final TaskId TASK = new TaskId(1, 3);

  @Test
  void aStandbyAnswersOnlyOnceItsLastBatchLeftItNearTheEnd() {
    StoreReadiness r = new StoreReadiness(Map::of);
    assertThat(r.standbyReady("totals-by-host", 3)).as("unknown here").isFalse();
    r.onUpdateStart(CHANGELOG, "totals-by-host", 0);
    assertThat(r.standbyReady("totals-by-host", 3)).as("started, nothing loaded yet").isFalse();
    r.onBatchLoaded(CHANGELOG, "totals-by-host", TASK, 999, 1_000, 50_000);
    assertThat(r.standbyReady("totals-by-host", 3)).as("49,000 behind").isFalse();
    r.onBatchLoaded(CHANGELOG, "totals-by-host", TASK, 49_999, 1_000, 50_000);
    assertThat(r.standbyReady("totals-by-host", 3)).as("caught up").isTrue();
    assertThat(r.standbyReady("totals-by-host", 2)).as("another partition").isFalse();
    assertThat(r.standbyReady("windows-by-host", 3)).as("another store").isFalse();
    r.onUpdateSuspended(CHANGELOG, "totals-by-host", 50_000, 50_000, SuspendReason.PROMOTED);
    assertThat(r.standbyReady("totals-by-host", 3)).as("promoted to active: no longer a standby").isFalse();
  }

  @Test
  void aStandbyOfAnEmptyChangelogAsksKafkaStreamsForItsLagOncePerSecondAtMost() {
    AtomicInteger asked = new AtomicInteger();
    Map<String, Map<Integer, Long>> lags = Map.of("agent-status", Map.of(3, 0L), "totals-by-host", Map.of(3, 20_000L));
    StoreReadiness r = new StoreReadiness(() -> {
      asked.incrementAndGet();
      return lags;
    });
    r.onUpdateStart(CHANGELOG, "agent-status", 0);
    r.onUpdateStart(CHANGELOG, "totals-by-host", 0);
    assertThat(r.standbyReady("agent-status", 3)).as("no batch, nothing behind").isTrue();
    assertThat(r.standbyReady("totals-by-host", 3)).as("no batch yet, 20,000 behind").isFalse();
    assertThat(asked).as("asked once for both").hasValue(1);
    assertThat(r.standbyReady("agent-status", 2)).as("not a standby here: not asked").isFalse();
    r.onBatchLoaded(CHANGELOG, "totals-by-host", TASK, 19_999, 1_000, 20_000);
    assertThat(r.standbyReady("totals-by-host", 3)).as("its batches tell from now on").isTrue();
    assertThat(asked).hasValue(1);
  }

  @Test
  void aStandbyWhoseLagCannotBeAskedIsNotReady() {
    StoreReadiness r = new StoreReadiness(() -> {
      throw new IllegalStateException("KafkaStreams is not running");
    });
    r.onUpdateStart(CHANGELOG, "agent-status", 0);
    assertThat(r.standbyReady("agent-status", 3)).isFalse();
  }

  @Test
  void aRestoringStoreIsKnownFromStartToEndOrSuspension() {
    StoreReadiness r = new StoreReadiness(Map::of);
    r.onRestoreStart(CHANGELOG, "totals-by-host", 0, 10);
    assertThat(r.restoring("totals-by-host", 3)).isTrue();
    r.onRestoreEnd(CHANGELOG, "totals-by-host", 10);
    assertThat(r.restoring("totals-by-host", 3)).isFalse();
    r.onRestoreStart(CHANGELOG, "totals-by-host", 0, 10);
    r.onRestoreSuspended(CHANGELOG, "totals-by-host", 5);
    assertThat(r.restoring("totals-by-host", 3)).isFalse();
  }
}
