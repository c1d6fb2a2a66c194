package io.fleetacct.streams.query;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Which store partitions this instance is restoring now. A restoring store is open and readable
 * (Kafka Streams hands it out to stale queries), but it holds only part of its changelog: the query
 * server must not answer from it, and asks a standby or says 503 instead. Register with
 * {@code KafkaStreams.setGlobalStateRestoreListener} before start.
 */
public final class Restorations implements StateRestoreListener {

  private final Set<String> restoring = ConcurrentHashMap.newKeySet();

  private static String id(String store, int partition) {
    return store + "/" + partition;
  }

  /** Whether partition {@code partition} of {@code store} is being restored here. */
  public boolean restoring(String store, int partition) {
    return restoring.contains(id(store, partition));
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
}
