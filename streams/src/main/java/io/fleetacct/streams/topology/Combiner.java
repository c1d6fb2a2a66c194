package io.fleetacct.streams.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Sums the contributions of exits per table, key and window before they are repartitioned, and
 * sends the sums every {@code interval}: one record per key and window instead of one per exit, so
 * the repartition topics and the aggregations behind them see a small fraction of the records.
 *
 * <p>Exact under exactly-once: the pending sums live in a changelogged store, so what was taken from
 * the input but not yet sent is committed together with the input offsets, and restored after a
 * crash. A sum carries the start of its window as timestamp, so downstream windowing puts it where
 * each of its exits belongs; the all-time tables ignore the timestamp. The sums of contributions
 * the windows do not take are kept apart and go on with the header {@value #OUTSIDE_WINDOWS} and
 * the time they are sent as timestamp (theirs could be far ahead, and would move stream time on);
 * the windows get them emptied.
 */
final class Combiner implements Processor<String, Contribution, String, Combiner.Sum> {

  /** The sum of some exits' contributions for one key of one table, within one window. */
  record Sum(Tables table, Aggregate values) {}

  /** Header of a sum for the all-time tables only. */
  static final String OUTSIDE_WINDOWS = "fleetacct.outside-windows";
  /** The window start of sums outside the windows. */
  private static final long NO_WINDOW = Long.MIN_VALUE;

  /**
   * A pending sum's key in the store: the table's ordinal, the window start and the table key,
   * joined by U+0001 (a table key may hold NUL; U+0001 is in none of its parts).
   */
  record PendingKey(Tables table, long windowStart, String tableKey) {
    private static final char SEP = '\u0001';

    String stored() {
      return table.ordinal() + String.valueOf(SEP) + windowStart + SEP + tableKey;
    }

    static PendingKey parse(String stored) {
      int a = stored.indexOf(SEP);
      int b = stored.indexOf(SEP, a + 1);
      return new PendingKey(Tables.values()[Integer.parseInt(stored.substring(0, a))],
          Long.parseLong(stored.substring(a + 1, b)), stored.substring(b + 1));
    }
  }

  private final String storeName;
  private final long windowMillis;
  private final Duration interval;
  private ProcessorContext<String, Sum> context;
  private KeyValueStore<String, Aggregate> pending;

  Combiner(String storeName, Duration windowSize, Duration interval) {
    this.storeName = storeName;
    this.windowMillis = windowSize.toMillis();
    this.interval = interval;
  }

  @Override
  public void init(ProcessorContext<String, Sum> context) {
    this.context = context;
    this.pending = context.getStateStore(storeName);
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::sendAll);
  }

  @Override
  public void process(Record<String, Contribution> record) {
    Contribution c = record.value();
    long windowStart = c.windowed() ? record.timestamp() - Math.floorMod(record.timestamp(), windowMillis) : NO_WINDOW;
    for (Tables table : Tables.values()) {
      table.keys(c, (tableKey, values) -> {
        String key = new PendingKey(table, windowStart, tableKey).stored();
        Aggregate sum = pending.get(key);
        pending.put(key, sum == null ? values : Aggregate.merge(sum, values));
      });
    }
  }

  private void sendAll(long now) {
    List<KeyValue<String, Aggregate>> sums = new ArrayList<>();
    try (KeyValueIterator<String, Aggregate> it = pending.all()) {
      it.forEachRemaining(sums::add);
    }
    for (KeyValue<String, Aggregate> e : sums) {
      PendingKey key = PendingKey.parse(e.key);
      boolean outside = key.windowStart() == NO_WINDOW;
      Record<String, Sum> sum = new Record<>(key.tableKey(), new Sum(key.table(), e.value),
          outside ? now : key.windowStart());
      if (outside) {
        sum.headers().add(OUTSIDE_WINDOWS, new byte[0]);
      }
      context.forward(sum);
      pending.delete(e.key);
    }
  }
}
