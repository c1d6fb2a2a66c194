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
 * the time they are sent as timestamp (theirs could be far ahead, and would move stream time on).
 */
final class Combiner implements Processor<String, Contribution, String, Combiner.Sum> {

  /** The sum of some exits' contributions for one key of one table, within one window. */
  record Sum(Tables table, long[] values) {}

  /** Header of a sum for the all-time tables only. */
  static final String OUTSIDE_WINDOWS = "fleetacct.outside-windows";
  private static final char SEP = '\u0001';
  /** The window start of sums outside the windows. */
  private static final long NO_WINDOW = Long.MIN_VALUE;

  private final String storeName;
  private final long windowMillis;
  private final Duration interval;
  private ProcessorContext<String, Sum> context;
  private KeyValueStore<String, long[]> pending;

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
      String prefix = table.ordinal() + String.valueOf(SEP) + windowStart + SEP;
      table.keys(c, (tableKey, values) -> {
        String key = prefix + tableKey;
        long[] sum = pending.get(key);
        pending.put(key, sum == null ? values.clone() : Totals.merge(sum, values));
      });
    }
  }

  private void sendAll(long now) {
    List<KeyValue<String, long[]>> sums = new ArrayList<>();
    try (KeyValueIterator<String, long[]> it = pending.all()) {
      it.forEachRemaining(sums::add);
    }
    for (KeyValue<String, long[]> e : sums) {
      int a = e.key.indexOf(SEP);
      int b = e.key.indexOf(SEP, a + 1);
      Tables table = Tables.values()[Integer.parseInt(e.key.substring(0, a))];
      long windowStart = Long.parseLong(e.key.substring(a + 1, b));
      Record<String, Sum> sum = new Record<>(e.key.substring(b + 1), new Sum(table, e.value),
          windowStart == NO_WINDOW ? now : windowStart);
      if (windowStart == NO_WINDOW) {
        sum.headers().add(OUTSIDE_WINDOWS, new byte[0]);
      }
      context.forward(sum);
      pending.delete(e.key);
    }
  }
}
