package io.fleetacct.streams.query;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import java.util.HashMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StandbyUpdateListener;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.TaskId;

/**
 * Which local copies of store partitions that are not running active tasks may answer queries.
 * Kafka Streams hands such copies to stale-store queries as soon as they are open, and then they
 * may hold only part of their changelog: an active task's store while it is restored, and before
 * its restoration starts (open, readable and empty), and a standby still loading. A standby
 * answers once its last loaded batch left it within {@value #MAX_STANDBY_LAG} offsets of its
 * changelog's end; a restoring store never does. A standby whose changelog has had nothing new
 * since it started reports no batch (an empty changelog: the heartbeats of a fleet not sending
 * any yet); its lag is then asked of Kafka Streams ({@code allLocalStorePartitionLags}, one admin
 * call, kept for {@value #LAGS_KEPT_MS} ms). Register with
 * {@code KafkaStreams.setGlobalStateRestoreListener} and {@code setStandbyUpdateListener} before
 * start.
 */
public final class StoreReadiness implements StateRestoreListener, StandbyUpdateListener {

  static final long MAX_STANDBY_LAG = 10_000;
  static final long LAGS_KEPT_MS = 1_000;

  private final Supplier<Map<String, Map<Integer, Long>>> lags;
  private volatile Map<String, Map<Integer, Long>> lastLags = Map.of();
  private volatile long lastLagsAt = Long.MIN_VALUE;

  private final Set<String> restoring = ConcurrentHashMap.newKeySet();
  /** Standby copies by store/partition: offsets behind the changelog's end at their last batch. */
  private final Map<String, Long> standbyLag = new ConcurrentHashMap<>();

  /** @param lags the offset lags of this instance's store partitions, by store and partition */
  StoreReadiness(Supplier<Map<String, Map<Integer, Long>>> lags) {
    this.lags = lags;
  }

  /** Readiness of the stores of {@code streams}, asking it for lags where no batch told them. */
  public static StoreReadiness of(KafkaStreams streams) {
    return new StoreReadiness(() -> {
      Map<String, Map<Integer, Long>> out = new HashMap<>();
      streams.allLocalStorePartitionLags().forEach((store, byPartition) -> {
        Map<Integer, Long> lags = out.computeIfAbsent(store, s -> new HashMap<>());
        byPartition.forEach((partition, info) -> lags.put(partition, info.offsetLag()));
      });
      return out;
    });
  }

  private static String id(String store, int partition) {
    return store + "/" + partition;
  }

  /** Whether partition {@code partition} of {@code store} is being restored here. */
  public boolean restoring(String store, int partition) {
    return restoring.contains(id(store, partition));
  }

  /** Whether this instance keeps a standby of that partition close enough to its changelog's end. */
  public boolean standbyReady(String store, int partition) {
    Long lag = standbyLag.get(id(store, partition));
    if (lag != null && lag < 0) {
      lag = askedLags().getOrDefault(store, Map.of()).getOrDefault(partition, -1L);
    }
    return lag != null && lag >= 0 && lag <= MAX_STANDBY_LAG;
  }

  private Map<String, Map<Integer, Long>> askedLags() {
    long now = System.nanoTime();
    if (lastLagsAt == Long.MIN_VALUE || now - lastLagsAt > LAGS_KEPT_MS * 1_000_000) {
      try {
        lastLags = lags.get();
      } catch (RuntimeException notNow) { // not running, or the broker away: not known, so not ready
        lastLags = Map.of();
      }
      lastLagsAt = now;
    }
    return lastLags;
  }

  @Override
  public void onRestoreStart(TopicPartition changelog, String store, long startOffset, long endOffset) {
    restoring.add(id(store, changelog.partition()));
  }

  @Override
  public void onBatchRestored(TopicPartition changelog, String store, long batchEndOffset, long restored) {}

  @Override
  public void onRestoreEnd(TopicPartition changelog, String store, long totalRestored) {
    restoring.remove(id(store, changelog.partition()));
  }

  @Override
  public void onRestoreSuspended(TopicPartition changelog, String store, long totalRestored) {
    restoring.remove(id(store, changelog.partition()));
  }

  @Override
  public void onUpdateStart(TopicPartition changelog, String store, long startingOffset) {
    standbyLag.put(id(store, changelog.partition()), -1L); // not known until its first batch
  }

  @Override
  public void onBatchLoaded(TopicPartition changelog, String store, TaskId task, long batchEndOffset, long batchSize,
                            long currentEndOffset) {
    standbyLag.put(id(store, changelog.partition()), Math.max(0, currentEndOffset - batchEndOffset - 1));
  }

  @Override
  public void onUpdateSuspended(TopicPartition changelog, String store, long storeOffset, long currentEndOffset,
                                SuspendReason reason) {
    standbyLag.remove(id(store, changelog.partition()));
  }
}
