package io.fleetacct.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.serde.Sequenced;
import io.fleetacct.schema.testing.SampleRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher against Kafka's MockProducer (acknowledgements given or withheld by the test) and
 * a real spool and journal in a temp directory: order, what a stop keeps, and what it counts.
 */
class PublisherTest {

  private static final String TOPIC = "t.exits";
  private static final AvroSerde<TaskExit> SERDE = FleetacctSerdes.taskExit();

  @TempDir Path dir;
  private SequenceJournal journal;
  private PublisherCounters counters;

  @AfterEach
  void closeJournal() throws IOException {
    if (journal != null) {
      journal.close();
    }
  }

  private static MockProducer<String, byte[]> kafka(boolean acknowledges) {
    return new MockProducer<>(acknowledges, null, new StringSerializer(), new ByteArraySerializer());
  }

  /** A publisher on the spool directory, as the agent makes one (not started). */
  private Publisher publisher(MockProducer<String, byte[]> producer, int queueCapacity, long spoolMaxBytes)
      throws IOException {
    closeJournal(); // a restart: the previous run's journal is closed, as the agent's is
    Spool spool = Spool.open(dir, spoolMaxBytes);
    journal = SequenceJournal.open(dir, "boot-1", List.of("0-1"));
    counters = new PublisherCounters();
    Publisher p = new Publisher(new Publisher.Config(TOPIC, "t.status", journal.agentInstance(), queueCapacity,
        Duration.ofSeconds(10), Duration.ofSeconds(5)), producer, spool, journal, "host-1",
        PublisherTest::status, counters);
    return p;
  }

  /** A heartbeat; the last of a stop says so. */
  private static io.fleetacct.schema.AgentStatus status(boolean last) {
    io.fleetacct.schema.AgentStatus s = SampleRecords.fullAgentStatus();
    s.setStoppedAt(last ? java.time.Instant.now() : null);
    return s;
  }

  /**
   * Acknowledges what the publisher sends until {@code stop} is done: a stop ends with a last
   * heartbeat that it waits for (up to its deadline) once everything else is acknowledged.
   */
  private static void acknowledgeUntilDone(CompletableFuture<Void> stop, MockProducer<String, byte[]> kafka)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!stop.isDone() && System.nanoTime() < deadline) {
      if (!kafka.completeNext()) {
        Thread.sleep(5);
      }
    }
    stop.get(1, TimeUnit.SECONDS);
  }

  /**
   * Starts a publisher whose Kafka acknowledges only when told, and acknowledges its first
   * heartbeat (sent at start, before any exit), so that each completeNext() then acknowledges the
   * next exit.
   */
  private static Publisher startWithHeartbeatAcknowledged(Publisher p, MockProducer<String, byte[]> kafka)
      throws InterruptedException {
    p.start();
    await(() -> !kafka.history().isEmpty());
    assertThat(kafka.history().get(0).topic()).isEqualTo("t.status");
    kafka.completeNext();
    return p;
  }

  private static void submit(Publisher p, int n) {
    for (int i = 0; i < n; i++) {
      p.submit(SampleRecords.singleThreadedExit(-1), 0, 0, 0);
    }
  }

  /** agent_seq of every record (exit or sample) the producer was handed, in order. */
  private static List<Long> sent(MockProducer<String, byte[]> producer) {
    List<Long> seqs = new ArrayList<>();
    for (ProducerRecord<String, byte[]> r : producer.history()) {
      if (r.topic().equals(TOPIC)) {
        seqs.add(Sequenced.of(FleetacctSerdes.exitOrSample().deserialize(TOPIC, r.value())).agentSeq());
      }
    }
    return seqs;
  }

  /** What the streams side counts of a delivery: each agent_seq once, replays (seq at or below the highest) dropped. */
  private static List<Long> counted(List<Long> delivered) {
    List<Long> out = new ArrayList<>();
    long highest = -1;
    for (long s : delivered) {
      if (s > highest) {
        out.add(s);
        highest = s;
      }
    }
    return out;
  }

  private static List<Long> range(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() < deadline).as("condition within 10 s").isTrue();
      Thread.sleep(5);
    }
  }

  @Test
  void deliversInAgentSeqOrderAndCountsWhatKafkaAcknowledged() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(true);
    Publisher p = publisher(kafka, 10, 1L << 20).start();
    submit(p, 100); // the queue holds 10: the rest goes through the spool, in order
    await(() -> counters.published.sum() == 100);
    p.close();
    assertThat(sent(kafka)).isEqualTo(range(0, 100));
    assertThat(counters.dropped.sum()).isZero();
    assertThat(p.waiting().spooledRecords()).isZero();
  }

  @Test
  void aStopWhileKafkaIsAwaySavesEveryUnacknowledgedRecordAndARestartSendsThemFirst() throws Exception {
    MockProducer<String, byte[]> away = kafka(false); // accepts, never acknowledges
    Publisher first = startWithHeartbeatAcknowledged(publisher(away, 20, 1L << 20), away);
    submit(first, 60);
    await(() -> first.waiting().inFlight() == 60);
    for (int i = 0; i < 15; i++) {
      away.completeNext(); // Kafka took the first 15 before it went away
    }
    submit(first, 40); // arriving while it is away: in flight or queued when the stop comes
    long t0 = System.nanoTime();
    first.close(Duration.ofMillis(300));
    assertThat((System.nanoTime() - t0) / 1e6).as("stop time in ms, drain 300 ms").isLessThan(2_000);
    assertThat(counters.published.sum()).isEqualTo(15);
    assertThat(counters.dropped.sum()).as("nothing accepted by the producer is lost").isZero();
    // 85 not acknowledged; more if some of them had gone through the spool (those come twice)
    assertThat(first.waiting().spooledRecords()).isGreaterThanOrEqualTo(85);

    MockProducer<String, byte[]> back = kafka(true);
    Publisher second = publisher(back, 20, 1L << 20).start();
    submit(second, 5); // the restart continues the instance's sequence after what it saved
    await(() -> counters.published.sum() >= 90);
    second.close();
    assertThat(counted(sent(back))).as("no gap, nothing twice, in order").isEqualTo(range(15, 105));
    assertThat(counters.dropped.sum()).isZero();
  }

  @Test
  void spooledRecordsInFlightAtTheStopComeAgainAfterTheRestart() throws Exception {
    MockProducer<String, byte[]> away = kafka(false);
    Publisher first = publisher(away, 5, 1L << 20);
    submit(first, 30); // 5 queued, 25 spooled before delivery starts
    first.start(); // its first heartbeat is spooled behind them
    // At least: the heartbeat behind them may be in flight as well by the time this looks.
    await(() -> first.waiting().inFlight() >= 30);
    submit(first, 10); // queued behind the spooled ones
    for (int i = 0; i < 12; i++) {
      away.completeNext();
    }
    await(() -> counters.published.sum() == 12);
    first.close(Duration.ofMillis(200));
    assertThat(counters.dropped.sum()).isZero();

    MockProducer<String, byte[]> back = kafka(true);
    Publisher second = publisher(back, 5, 1L << 20).start();
    await(() -> second.waiting().spooledRecords() == 0 && second.waiting().inFlight() == 0 && counters.published.sum() > 0);
    second.close();
    assertThat(counted(sent(back))).isEqualTo(range(12, 40));
  }

  @Test
  void aStopDuringARetryLoopHoldsTheDeadline() throws Exception {
    MockProducer<String, byte[]> refusing = kafka(true);
    synchronized (refusing) {
      refusing.sendException = new TimeoutException("no metadata"); // retriable: retried until the stop
    }
    Publisher p = publisher(refusing, 100, 1L << 20).start();
    submit(p, 5);
    await(() -> counters.publishErrors.sum() >= 3);
    long t0 = System.nanoTime();
    p.close(Duration.ofMillis(500));
    double ms = (System.nanoTime() - t0) / 1e6;
    assertThat(ms).as("stop time in ms with a 500 ms drain").isBetween(400.0, 1_500.0);
    assertThat(p.waiting().spooledRecords()).isEqualTo(5);
    assertThat(counters.dropped.sum()).isZero();
  }

  @Test
  void aStopDoesNotWaitForAKafkaThatHasBeenSilentWhileRecordsWait() throws Exception {
    MockProducer<String, byte[]> away = kafka(false);
    Publisher p = startWithHeartbeatAcknowledged(publisher(away, 100, 1L << 20), away);
    submit(p, 5);
    await(() -> p.waiting().inFlight() == 5);
    Thread.sleep(Delivery.STALLED_NANOS / 1_000_000 + 200);
    long t0 = System.nanoTime();
    p.close(Duration.ofSeconds(30));
    assertThat((System.nanoTime() - t0) / 1e6).as("stop time in ms, Kafka silent for 2 s").isLessThan(1_000);
    assertThat(p.waiting().spooledRecords()).isEqualTo(5);
    assertThat(counters.dropped.sum()).isZero();
  }

  @Test
  void recordsSubmittedAfterDeliveryStoppedGoToTheSpoolBehindTheSavedOnes() throws Exception {
    MockProducer<String, byte[]> away = kafka(false);
    Publisher first = startWithHeartbeatAcknowledged(publisher(away, 100, 1L << 20), away);
    submit(first, 10);
    await(() -> first.waiting().inFlight() == 10);
    first.stopDelivery(Duration.ZERO); // Kafka away: saved first, the listener still delivers exits
    submit(first, 5);
    first.close(Duration.ZERO);
    assertThat(counters.dropped.sum()).isZero();

    MockProducer<String, byte[]> back = kafka(true);
    Publisher second = publisher(back, 100, 1L << 20).start();
    await(() -> counters.published.sum() == 15);
    second.close();
    assertThat(counted(sent(back))).isEqualTo(range(0, 15));
  }

  @Test
  void aRetriableRefusalIsRetriedInOrderUntilKafkaAccepts() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(true);
    synchronized (kafka) {
      kafka.sendException = new TimeoutException("buffer full");
    }
    Publisher p = publisher(kafka, 100, 1L << 20).start();
    submit(p, 20);
    await(() -> counters.publishErrors.sum() >= 2);
    synchronized (kafka) {
      kafka.sendException = null;
    }
    await(() -> counters.published.sum() == 20);
    p.close();
    assertThat(sent(kafka)).isEqualTo(range(0, 20));
    assertThat(counters.dropped.sum()).isZero();
  }

  @Test
  void aRecordRefusedForGoodIsDroppedAndCountedAndTheRestGoOn() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(false);
    Publisher p = startWithHeartbeatAcknowledged(publisher(kafka, 100, 1L << 20), kafka);
    submit(p, 3);
    await(() -> p.waiting().inFlight() == 3);
    kafka.completeNext();
    kafka.errorNext(new RecordTooLargeException("too large")); // accepted, then failed for good
    kafka.completeNext();
    await(() -> counters.published.sum() == 2);
    assertThat(counters.dropped.sum()).isEqualTo(1);
    synchronized (kafka) {
      kafka.sendException = new RecordTooLargeException("too large"); // refused at send
    }
    submit(p, 1);
    await(() -> counters.dropped.sum() == 2);
    synchronized (kafka) {
      kafka.sendException = null;
    }
    submit(p, 1);
    await(() -> p.waiting().inFlight() == 1);
    kafka.completeNext();
    await(() -> counters.published.sum() == 3);
    acknowledgeUntilDone(CompletableFuture.runAsync(p::close), kafka);
    assertThat(p.waiting().spooledRecords()).isZero();
  }

  @Test
  void anAcknowledgementDuringTheStopEndsItWithNothingSaved() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(false);
    Publisher p = startWithHeartbeatAcknowledged(publisher(kafka, 100, 1L << 20), kafka);
    submit(p, 10);
    await(() -> p.waiting().inFlight() == 10);
    CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> p.close(Duration.ofSeconds(5)));
    Thread.sleep(100);
    assertThat(stop).isNotDone(); // waiting for Kafka
    acknowledgeUntilDone(stop, kafka); // the ten, then the stop's last heartbeat
    assertThat(counters.published.sum()).isEqualTo(10);
    assertThat(p.waiting().spooledRecords()).isZero();
    assertThat(counters.dropped.sum()).isZero();
  }

  @Test
  void aStopRightAfterAQuietTimeWaitsForAHealthyKafkaAndSavesNothing() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(false);
    Publisher p = startWithHeartbeatAcknowledged(publisher(kafka, 100, 1L << 20), kafka);
    // Quiet for longer than a stop waits for a silent Kafka: nothing to acknowledge meanwhile.
    Thread.sleep(Delivery.STALLED_NANOS / 1_000_000 + 300);
    submit(p, 3); // exits of the last moment, in the producer's linger when the stop comes
    await(() -> p.waiting().inFlight() == 3);
    CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> p.close(Duration.ofSeconds(5)));
    Thread.sleep(300);
    assertThat(stop).as("waiting for a Kafka that is there, not saving at once").isNotDone();
    acknowledgeUntilDone(stop, kafka);
    assertThat(counters.published.sum()).isEqualTo(3);
    assertThat(p.waiting().spooledRecords()).as("nothing left for the next start").isZero();
  }

  @Test
  void aFullSpoolDropsTheNewestAndCountsThem() throws Exception {
    MockProducer<String, byte[]> away = kafka(false);
    int size = SERDE.serialize(TOPIC, SampleRecords.singleThreadedExit(0)).length;
    Publisher p = publisher(away, 2, 10L * (size + 64)); // room for about 10 frames
    submit(p, 40);
    long spooled = p.waiting().spooledRecords();
    assertThat(spooled).isBetween(5L, 12L);
    assertThat(counters.dropped.sum()).isEqualTo(40 - 2 - spooled);
    p.close(Duration.ZERO);
    assertThat(p.waiting().spooledRecords()).as("the queued ones saved too").isEqualTo(spooled + 2);
  }

  @Test
  void recordsSubmittedBeforeTheStartAreKeptByAStopWithoutDelivery() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(true);
    Publisher p = publisher(kafka, 100, 1L << 20);
    submit(p, 7); // the agent registers with the kernel before it knows whether Kafka is reachable
    p.close(Duration.ZERO); // e.g. Kafka refused the credentials
    assertThat(sent(kafka)).isEmpty();
    assertThat(p.waiting().spooledRecords()).isEqualTo(7);
    assertThat(counters.dropped.sum()).isZero();
  }

  @Test
  void samplesTakeTheirPlaceInTheSequenceAndARestartContinuesAfterThem() throws Exception {
    MockProducer<String, byte[]> kafka = kafka(true);
    Publisher p = publisher(kafka, 100, 1 << 20);
    submit(p, 2);
    List<String> order = new ArrayList<>();
    p.submitSamples(() -> {
      order.add("make");
      return List.of(SampleRecords.fullTaskSample(), SampleRecords.fullTaskSample());
    }, () -> order.add("persist"));
    submit(p, 1);
    p.start();
    await(() -> sent(kafka).size() == 5);
    assertThat(order).containsExactly("make", "persist");
    List<Long> seqs = new ArrayList<>();
    List<String> types = new ArrayList<>();
    for (ProducerRecord<String, byte[]> r : kafka.history()) {
      if (r.topic().equals(TOPIC)) {
        var record = FleetacctSerdes.exitOrSample().deserialize(TOPIC, r.value());
        seqs.add(Sequenced.of(record).agentSeq());
        types.add(record.getSchema().getName());
      }
    }
    assertThat(seqs).isEqualTo(range(0, 5));
    assertThat(types).containsExactly("TaskExit", "TaskExit", "TaskSample", "TaskSample", "TaskExit");
    p.close();

    // A restart on the journal continues after the samples' numbers even if they never left.
    Publisher again = publisher(kafka(true), 100, 1 << 20);
    again.submitSamples(() -> List.of(SampleRecords.fullTaskSample()), () -> {});
    journal.close();
    journal = null;
    assertThat(SequenceJournal.Previous.read(dir.resolve(SequenceJournal.FILE), "boot-1").highestSeq())
        .isEqualTo(5);
    again.close(Duration.ZERO);
  }

  @Test
  void theDeliveryWatermarkIsTheOldestRecordKafkaHasNotAcknowledged() throws Exception {
    MockProducer<String, byte[]> away = kafka(false);
    Publisher p = startWithHeartbeatAcknowledged(publisher(away, 3, 1L << 20), away);
    long now = System.currentTimeMillis();
    assertThat(p.deliveredUntil(now, true).toEpochMilli()).as("nothing waits: the clock less the allowance")
        .isEqualTo(now - Publisher.RECEIVE_ALLOWANCE.toMillis());
    long t0 = now - 60_000;
    for (int i = 0; i < 8; i++) { // 3 queued or in flight, the rest through the spool
      TaskExit e = SampleRecords.singleThreadedExit(-1);
      e.setReceivedAt(java.time.Instant.ofEpochMilli(t0 + i * 1_000L));
      p.submit(e, 0, 0, 0);
    }
    await(() -> p.waiting().inFlight() >= 3);
    assertThat(p.deliveredUntil(now, true).toEpochMilli()).isEqualTo(t0);
    for (int acked = 1; acked <= 8; acked++) {
      completeNextExit(away);
      int a = acked;
      await(() -> counters.published.sum() == a);
      long expected = acked < 8 ? t0 + acked * 1_000L : now - Publisher.RECEIVE_ALLOWANCE.toMillis();
      await(() -> p.waiting().inFlight() > 0 || p.waiting().spooledRecords() == 0);
      assertThat(p.deliveredUntil(now, true).toEpochMilli()).as("after %d acknowledged", acked).isEqualTo(expected);
    }
    assertThat(p.deliveredUntil(now, false).toEpochMilli()).as("no longer listening: nothing more can come")
        .isEqualTo(now);
    p.close(Duration.ZERO);
  }

  /** Acknowledges the next record of the exits topic, and every heartbeat before it. */
  private static void completeNextExit(MockProducer<String, byte[]> kafka) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      Boolean exit = null;
      synchronized (kafka) { // MockProducer's lock: no send between reading its history and its pending sends
        int done = kafka.history().size() - pending(kafka);
        if (done < kafka.history().size()) {
          exit = kafka.history().get(done).topic().equals(TOPIC);
          kafka.completeNext();
        }
      }
      if (exit == null) {
        Thread.sleep(5);
      } else if (exit) {
        return;
      }
    }
    throw new AssertionError("no exit to acknowledge within 10 s");
  }

  private static int pending(MockProducer<String, byte[]> kafka) {
    try {
      var f = MockProducer.class.getDeclaredField("completions");
      f.setAccessible(true);
      return ((java.util.Collection<?>) f.get(kafka)).size();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void heartbeatsKafkaCannotTakeAreSpooledAndFollowTheRecordsMadeBeforeThem() throws Exception {
    MockProducer<String, byte[]> away = kafka(false);
    Publisher first = publisher(away, 2, 1L << 20);
    submit(first, 10); // 2 queued, 8 spooled
    first.start(); // its first heartbeat goes behind them, to the spool
    await(() -> away.history().size() >= 11);
    first.close(Duration.ofMillis(100)); // Kafka away: everything saved, a last heartbeat behind it
    try (Spool spool = Spool.open(dir, 1L << 20)) {
      int heartbeats = 0;
      int records = 0;
      for (byte[] frame; (frame = spool.next()) != null; ) {
        if (FleetacctSerdes.agentBacklog().deserialize(TOPIC, frame) instanceof io.fleetacct.schema.AgentStatus) {
          heartbeats++;
        } else {
          records++;
        }
      }
      assertThat(heartbeats).as("the first heartbeat (again if it was in flight) and the stop's last")
          .isBetween(2, 3);
      assertThat(spool.records()).as("heartbeats wait in the spool but are not records").isEqualTo(records);
    }

    MockProducer<String, byte[]> back = kafka(true);
    Publisher second = publisher(back, 2, 1L << 20).start();
    await(() -> second.waiting().spooledRecords() == 0 && second.waiting().inFlight() == 0 && counters.published.sum() >= 10);
    second.close();
    List<String> order = new ArrayList<>();
    List<io.fleetacct.schema.AgentStatus> statuses = new ArrayList<>();
    for (ProducerRecord<String, byte[]> r : back.history()) {
      if (r.topic().equals("t.status")) {
        statuses.add(FleetacctSerdes.agentStatus().deserialize("t.status", r.value()));
        order.add("status");
      } else {
        order.add("exit " + Sequenced.of(FleetacctSerdes.exitOrSample().deserialize(TOPIC, r.value())).agentSeq());
      }
    }
    assertThat(order.indexOf("status")).as("the first run's first heartbeat after the records made before it: " + order)
        .isGreaterThan(order.indexOf("exit 9"));
    assertThat(statuses).as("the first run's two, then the second run's").hasSizeGreaterThanOrEqualTo(3);
    assertThat(statuses.stream().filter(st -> st.getStoppedAt() != null).count())
        .as("the last of each run says it stopped").isGreaterThanOrEqualTo(2);
  }
}
