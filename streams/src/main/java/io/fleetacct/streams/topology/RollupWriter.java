package io.fleetacct.streams.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps a table's rollup stores ({@link Rollups}) in step with its windows: it receives each new
 * value of a window (what the windowed aggregation accepted: {@link WindowAdmission}'s rule),
 * stores it at level 0 and adds what changed since the window's previous value (totals and sketches) to the 10- and
 * 60-window buckets that contain it. Same task and transaction as the window itself, so under
 * exactly-once a window and its rollups never disagree. Buckets that no admitted record can change
 * any more (older than the retention by the wall clock, as admission judges) are deleted once a
 * minute; stream time would not do, as a host whose clock runs ahead moves it on.
 */
final class RollupWriter implements Processor<Windowed<String>, Aggregate, Void, Void> {

  private static final Duration CLEANUP_INTERVAL = Duration.ofMinutes(1);

  private final List<Rollups.Index> indexes;
  private final Duration window;
  private final long retentionMillis;
  private final List<KeyValueStore<String, Aggregate>> stores = new ArrayList<>();
  private ProcessorContext<Void, Void> context;

  RollupWriter(Tables table, Duration window, Duration retention) {
    this.indexes = Rollups.Index.of(table);
    this.window = window;
    this.retentionMillis = retention.toMillis();
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    stores.clear(); // Kafka Streams initializes a revived task's processors again (TaskCorruptedException)
    for (Rollups.Index i : indexes) {
      stores.add(context.getStateStore(i.store()));
    }
    context.schedule(CLEANUP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> deleteExpired());
  }

  @Override
  public void process(Record<Windowed<String>, Aggregate> record) {
    for (int s = 0; s < stores.size(); s++) {
      Rollups.add(stores.get(s), window, indexes.get(s).key(record.key().key()), record.key().window().start(),
          record.value());
    }
  }

  private void deleteExpired() {
    long now = context.currentSystemTimeMs();
    for (KeyValueStore<String, Aggregate> store : stores) {
      for (int level = 0; level < Rollups.FACTORS.length; level++) {
        long size = Rollups.bucketMillis(window, level);
        long firstKept = Rollups.bucketStart(now - retentionMillis, size);
        String kept = Rollups.prefix(level, Math.max(0, firstKept));
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Aggregate> it = store.range(Rollups.prefix(level, 0), kept)) {
          it.forEachRemaining(kv -> {
            if (kv.key.compareTo(kept) < 0) {
              expired.add(kv.key);
            }
          });
        }
        expired.forEach(store::delete);
      }
    }
  }
}
