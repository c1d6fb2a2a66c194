package io.fleetacct.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The order of records across memory queue, spool and flight, and what a save keeps. */
class BacklogTest {

  private static final String TOPIC = "t";
  private static final AvroSerde<TaskExit> SERDE = FleetacctSerdes.taskExit();
  private static final String INSTANCE = SampleRecords.singleThreadedExit(0).getAgentInstance();

  @TempDir Path dir;
  private final PublisherCounters counters = new PublisherCounters();

  private Backlog backlog(Spool spool, int capacity) {
    return new Backlog(spool, capacity, FleetacctSerdes.agentBacklog(), TOPIC, INSTANCE, counters);
  }

  private static void add(Backlog b, long from, long to) {
    for (long s = from; s < to; s++) {
      b.add(SampleRecords.singleThreadedExit(s));
    }
  }

  private static List<Long> take(Backlog b, int n) throws Exception {
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Backlog.Item item = takeOne(b);
      seqs.add(item == null ? null : item.seq());
    }
    return seqs;
  }

  private static Backlog.Item takeOne(Backlog b) throws Exception {
    List<Backlog.Item> out = new ArrayList<>();
    return b.take(out, 1, 1_000_000) == 0 ? null : out.get(0);
  }

  private static List<Long> spooled(Spool s) throws IOException {
    List<Long> seqs = new ArrayList<>();
    for (byte[] r; (r = s.next()) != null; ) {
      seqs.add(SERDE.deserialize(TOPIC, r).getAgentSeq());
    }
    return seqs;
  }

  @Test
  void recordsBehindAnEarlierRunsSpoolAreNotKafkaFallingBehind() throws Exception {
    try (Spool spool = Spool.open(dir, 1 << 20)) {
      spool.append(SERDE.serialize(TOPIC, SampleRecords.singleThreadedExit(0))); // left by an earlier run
    }
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger log = (Logger) LoggerFactory.getLogger(Backlog.class);
    logged.start();
    log.addAppender(logged);
    try (Spool spool = Spool.open(dir, 1 << 20)) {
      Backlog b = backlog(spool, 10);
      add(b, 1, 3); // behind the earlier run's record, in order
      assertThat(take(b, 3)).containsExactly(0L, 1L, 2L);
      assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
      assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.startsWith("1 records of an earlier run wait in the spool"));
    } finally {
      log.detachAppender(logged);
    }
  }

  @Test
  void aRecordAfterAQuietTimeIsNotTakenForKafkaBeingAway() throws Exception {
    try (Spool spool = Spool.open(dir, 1 << 20)) {
      Backlog b = backlog(spool, 10);
      long window = 200_000_000L;
      Thread.sleep(300); // quiet: nothing acknowledged for longer than the window, nothing waiting
      assertThat(b.delivering(window)).as("nothing waits").isTrue();
      add(b, 0, 1);
      Backlog.Item item = takeOne(b);
      assertThat(b.delivering(window)).as("a record just handed over, after a quiet time").isTrue();
      Thread.sleep(300);
      assertThat(b.delivering(window)).as("no acknowledgement for longer than the window while it waits").isFalse();
      b.acknowledged(item);
      assertThat(b.delivering(window)).isTrue();
    }
  }

  @Test
  void aFullQueueSendsEveryLaterRecordThroughTheSpoolUntilItIsReadOut() throws Exception {
    try (Spool spool = Spool.open(dir, 1L << 20)) {
      Backlog b = backlog(spool, 3);
      add(b, 0, 8); // 0-2 queued, 3-7 spooled
      assertThat(b.queued()).isEqualTo(3);
      assertThat(b.spooledRecords()).isEqualTo(5);
      assertThat(take(b, 4)).containsExactly(0L, 1L, 2L, 3L);
      add(b, 8, 10); // still spooling: behind 4-7
      assertThat(b.queued()).isZero();
      assertThat(take(b, 7)).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, null);
      add(b, 10, 11); // the spool is read out: the queue again
      assertThat(b.queued()).isEqualTo(1);
      assertThat(b.inFlight()).isEqualTo(10);
    }
  }

  @Test
  void aBatchTakesQueuedThenSpooledRecordsInOrderUpToItsSize() throws Exception {
    try (Spool spool = Spool.open(dir, 1L << 20)) {
      Backlog b = backlog(spool, 3);
      add(b, 0, 8); // 0-2 queued, 3-7 spooled
      List<Backlog.Item> batch = new ArrayList<>();
      assertThat(b.take(batch, 5, 1_000_000)).isEqualTo(5);
      assertThat(batch).extracting(Backlog.Item::seq).containsExactly(0L, 1L, 2L, 3L, 4L);
      batch.clear();
      assertThat(b.take(batch, 100, 1_000_000)).isEqualTo(3);
      assertThat(batch).extracting(Backlog.Item::seq).containsExactly(5L, 6L, 7L);
      assertThat(b.inFlight()).isEqualTo(8);
      assertThat(b.take(batch, 100, 1_000_000)).as("nothing left").isZero();
    }
  }

  @Test
  void aSaveKeepsInFlightThenQueuedRecordsInFrontOfTheSpoolAndAcknowledgedOnesOut() throws Exception {
    try (Spool spool = Spool.open(dir, 1L << 20)) {
      Backlog b = backlog(spool, 4);
      add(b, 0, 4);
      List<Backlog.Item> items = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        items.add(takeOne(b));
      }
      b.acknowledged(items.get(0)); // Kafka has 0; 1 and 2 in flight; 3 queued
      add(b, 4, 8); // 4-6 queued behind 3, 7 spooled
      assertThat(b.spooledRecords()).isEqualTo(1);
      assertThat(b.saveUnacknowledged()).isEqualTo(6); // 1, 2 in flight; 3-6 queued
      assertThat(takeOne(b)).as("nothing is taken after a save").isNull();
      b.acknowledged(items.get(1)); // late: changes nothing
      b.failed(items.get(2)); // the producer closed under it: not a loss, it was saved
      add(b, 8, 9); // still listening after the save: straight to the spool's end
      assertThat(counters.published.sum()).isEqualTo(1);
      assertThat(counters.dropped.sum()).isZero();
    }
    try (Spool reopened = Spool.open(dir, 1L << 20)) {
      assertThat(spooled(reopened)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }
  }

  @Test
  void aRecordThatFailsForGoodIsDroppedOnce() throws Exception {
    try (Spool spool = Spool.open(dir, 1L << 20)) {
      Backlog b = backlog(spool, 4);
      add(b, 0, 1);
      Backlog.Item item = takeOne(b);
      b.failed(item);
      b.failed(item);
      assertThat(counters.dropped.sum()).isEqualTo(1);
      assertThat(b.delivered()).isTrue();
    }
  }

  @Test
  void samplesGoThroughTheSpoolInTheirPlaceWithTheirTimestamps() throws Exception {
    try (Spool spool = Spool.open(dir, 1L << 20)) {
      Backlog b = backlog(spool, 1);
      b.add(SampleRecords.singleThreadedExit(0)); // queued
      TaskSample sample = SampleRecords.fullTaskSample();
      sample.setAgentInstance(INSTANCE);
      sample.setAgentSeq(1);
      b.add(sample); // spooled, and so is everything after it until the spool is read out
      b.add(SampleRecords.singleThreadedExit(2));
      assertThat(b.spooledRecords()).isEqualTo(2);
      List<Backlog.Item> items = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        items.add(takeOne(b));
      }
      assertThat(items).extracting(Backlog.Item::seq).containsExactly(0L, 1L, 2L);
      assertThat(items.get(1).timestamp()).as("a sample's Kafka timestamp is its sampled_at")
          .isEqualTo(sample.getSampledAt().toEpochMilli());
      assertThat(FleetacctSerdes.taskSample().deserialize(TOPIC, items.get(1).bytes())).isEqualTo(sample);
    }
  }

  @Test
  void theWatermarkCoversRecordsSpooledBehindAHeartbeat() throws Exception {
    try (Spool spool = Spool.open(dir, 1 << 20)) {
      Backlog b = backlog(spool, 1);
      TaskExit first = SampleRecords.singleThreadedExit(0);
      first.setReceivedAt(java.time.Instant.ofEpochMilli(1_000));
      b.add(first); // queued
      b.add(SampleRecords.fullAgentStatus()); // the queue is full: the heartbeat is the first spooled
      TaskExit second = SampleRecords.singleThreadedExit(1);
      second.setReceivedAt(java.time.Instant.ofEpochMilli(2_000));
      b.add(second); // spooled behind it
      assertThat(b.oldestWaiting()).isEqualTo(1_000);
      b.acknowledged(takeOne(b));
      assertThat(b.oldestWaiting()).as("the spooled record still waits").isEqualTo(2_000);
    }
  }
}
