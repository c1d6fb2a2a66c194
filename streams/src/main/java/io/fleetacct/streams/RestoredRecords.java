package io.fleetacct.streams;

import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts the records restored from changelogs (what a start without usable local state costs),
 * and hands every event on to the listener Kafka Streams has room for only one of.
 */
final class RestoredRecords implements StateRestoreListener {

  private final StateRestoreListener next;
  private final LongAdder records = new LongAdder();

  RestoredRecords(StateRestoreListener next) {
    this.next = next;
  }

  long total() {
    return records.sum();
  }

  @Override
  public void onRestoreStart(TopicPartition changelog, String store, long startOffset, long endOffset) {
    next.onRestoreStart(changelog, store, startOffset, endOffset);
  }

  @Override
  public void onBatchRestored(TopicPartition changelog, String store, long batchEndOffset, long restored) {
    records.add(restored);
    next.onBatchRestored(changelog, store, batchEndOffset, restored);
  }

  @Override
  public void onRestoreEnd(TopicPartition changelog, String store, long totalRestored) {
    next.onRestoreEnd(changelog, store, totalRestored);
  }

  @Override
  public void onRestoreSuspended(TopicPartition changelog, String store, long totalRestored) {
    next.onRestoreSuspended(changelog, store, totalRestored);
  }
}
