package io.fleetacct.agent.publish;

import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers TaskExit and TaskSample records to Kafka in agent_seq order without ever blocking the
 * receive threads, and keeps every record until Kafka acknowledges it.
 *
 * <p>{@link #submit} numbers each record (agent_seq, contiguous from where the {@link SequenceJournal}
 * says the instance stands; numbers of exits the kernel announced but that never arrived are
 * skipped, so that downstream they count as lost), records the number in the journal before the
 * record can leave the process, and adds it to the {@link Backlog} (memory queue, then spool).
 * {@link Delivery} hands records to the producer in order on a thread of its own and sends the
 * {@link Heartbeat}. The producer is expected to be idempotent with unbounded delivery time (see
 * {@link ProducerSettings}): records it accepted are delivered in order or fail for good, and
 * failing for good counts as dropped.
 *
 * <p>When the spool is full, new records are dropped (drop-newest) and counted; they also show as
 * agent_seq gaps downstream. {@link #close()} drains to Kafka until the shutdown timeout and saves
 * everything not acknowledged by then (in the producer, being retried, queued) to the spool, in
 * order. Records submitted before {@link #start()} wait in the backlog.
 */
public final class Publisher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Publisher.class);
  /** How long close() waits beyond the shutdown timeout for the delivery thread (a send blocked on metadata). */
  private static final long JOIN_MARGIN_MILLIS = 3_000;

  /**
   * How long a received exit may take to reach the publisher (attribution waits for its exit-hook
   * entry, a sample cycle reads every thread): the delivery watermark stays that far behind the
   * clock while nothing waits.
   */
  static final Duration RECEIVE_ALLOWANCE = Duration.ofSeconds(1);

  /** Makes the heartbeat; {@code last}: the final one of a stop (after the drain, or behind what was saved). */
  @FunctionalInterface
  public interface StatusSource {
    AgentStatus status(boolean last);
  }

  /** Where and how often, and the agent's clock (the host's, or one set apart in tests of skewed hosts). */
  public record Config(String topic, String statusTopic, String agentInstance, int queueCapacity,
                       Duration heartbeatInterval, Duration shutdownTimeout, Clock clock) {
    public Config(String topic, String statusTopic, String agentInstance, int queueCapacity,
                  Duration heartbeatInterval, Duration shutdownTimeout) {
      this(topic, statusTopic, agentInstance, queueCapacity, heartbeatInterval, shutdownTimeout, Clock.systemUTC());
    }
  }

  private final Config config;
  private final Producer<String, byte[]> producer;
  private final SequenceJournal journal;
  private final Backlog backlog;
  private final Delivery delivery;
  private final Thread thread;
  private final ClockOffset clockOffset = new ClockOffset();
  private long nextSeq; // guarded by this

  /**
   * @param key the record key (the host)
   * @param status makes the heartbeat; called on the delivery thread
   */
  public Publisher(Config config, Producer<String, byte[]> producer, Spool spool, SequenceJournal journal,
                   String key, StatusSource status, PublisherCounters counters) {
    this.config = config;
    this.producer = producer;
    this.journal = journal;
    this.nextSeq = journal.nextSeq();
    this.backlog = new Backlog(spool, config.queueCapacity(), FleetacctSerdes.agentBacklog(), config.topic(),
        config.agentInstance(), counters);
    Heartbeat heartbeat = new Heartbeat(backlog, status, config.heartbeatInterval().toNanos());
    this.delivery = new Delivery(backlog, producer, heartbeat, config.topic(), config.statusTopic(), key, counters,
        clockOffset, config.clock());
    this.thread = new Thread(delivery, "publisher");
  }

  /** Starts delivering to Kafka. */
  public Publisher start() {
    thread.start();
    return this;
  }

  /**
   * Numbers the record and queues or spools it. Never blocks on Kafka; safe from any thread.
   *
   * @param socket the listener socket it came from, and {@code kernelSeq} its nlmsg_seq there
   * @param missedBefore exits announced on that socket before this one that never arrived
   */
  public synchronized void submit(TaskExit record, int socket, long kernelSeq, long missedBefore) {
    record.setAgentSeq(number(socket, kernelSeq, missedBefore));
    backlog.add(record);
  }

  /** As {@link #submit(TaskExit, int, long, long)}, for an exit as {@link ExitRecords#encode} wrote it. */
  public synchronized void submit(ExitRecords.Encoded exit, int socket, long kernelSeq, long missedBefore) {
    long seq = number(socket, kernelSeq, missedBefore);
    backlog.addEncoded(seq, exit.receivedAtMillis(), exit.withSeq(seq));
  }

  private long number(int socket, long kernelSeq, long missedBefore) {
    nextSeq += missedBefore;
    journal.commit(socket, kernelSeq, nextSeq); // first: a record out of the process is always journalled
    return nextSeq++;
  }

  /**
   * Numbers a sampling cycle's records, with exits waiting meanwhile so that agent_seq order holds:
   * {@code make} runs first (what it makes visible to exits, such as the new sampled totals, is then
   * published only in records numbered after these), the numbers go to the journal, {@code persist}
   * runs, and the samples are queued or spooled. A crash after the journal write shows the samples
   * as gaps.
   */
  public synchronized void submitSamples(Supplier<List<TaskSample>> make, Runnable persist) {
    List<TaskSample> samples = make.get();
    for (TaskSample s : samples) {
      s.setAgentSeq(nextSeq++);
    }
    if (!samples.isEmpty()) {
      journal.reserve(nextSeq - 1);
    }
    persist.run();
    samples.forEach(backlog::add);
  }

  /**
   * The delivery watermark at {@code nowMillis} (the agent's clock): the time of the oldest record
   * Kafka has not acknowledged, or with none waiting the clock less {@link #RECEIVE_ALLOWANCE} (the
   * clock itself once the listener is closed: nothing more can come).
   */
  public Instant deliveredUntil(long nowMillis, boolean listening) {
    long oldest = backlog.oldestWaiting();
    long idle = listening ? nowMillis - RECEIVE_ALLOWANCE.toMillis() : nowMillis;
    return Instant.ofEpochMilli(Math.min(oldest, idle));
  }

  /** The Kafka brokers' clock less this agent's, as measured on heartbeats; null before any measurement. */
  public Duration clockOffset() {
    ClockOffset.Measured m = clockOffset.best();
    return m == null ? null : Duration.ofMillis(m.offsetMillis());
  }

  /** How far {@link #clockOffset()} may be off; null before any measurement. */
  public Duration clockOffsetError() {
    ClockOffset.Measured m = clockOffset.best();
    return m == null ? null : Duration.ofMillis(m.errorMillis());
  }

  /** What waits for Kafka now. */
  public Waiting waiting() {
    return backlog;
  }

  /** Kafka acknowledged something within {@code window}, or there was nothing to acknowledge. */
  public boolean delivering(Duration window) {
    return backlog.delivering(window.toNanos());
  }

  /**
   * Kafka has acknowledged nothing for {@link Delivery#STALLED_NANOS} while records wait: a stop
   * does not wait for it.
   */
  public boolean kafkaAway() {
    return !backlog.delivering(Delivery.STALLED_NANOS);
  }

  public boolean spooling() {
    return backlog.spooling();
  }

  /** Drains to Kafka for at most the shutdown timeout, saves the rest to the spool, and stops. */
  @Override
  public void close() {
    close(config.shutdownTimeout());
  }

  /** As {@link #close()}, with a drain time of its own (zero: save everything now). */
  public void close(Duration drain) {
    stopDelivery(drain);
    backlog.close();
  }

  /**
   * Ends delivery as {@link #close(Duration)} does but keeps the spool open: records submitted
   * afterwards go to its end, so a stop with Kafka away can save first and stop listening last.
   */
  public void stopDelivery(Duration drain) {
    long deadline = System.nanoTime() + drain.toNanos();
    try {
      if (thread.isAlive()) {
        delivery.stopBy(deadline);
        thread.join(drain.toMillis() + JOIN_MARGIN_MILLIS);
        if (thread.isAlive()) { // blocked in the producer: an interrupt ends the wait, and the loop saves
          log.warn("publisher did not stop within the shutdown timeout; interrupting it");
          thread.interrupt();
          thread.join(JOIN_MARGIN_MILLIS);
        }
      } else if (!delivery.stopped()) {
        backlog.saveUnacknowledged(); // never started: everything is in the backlog
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.error("cannot save unacknowledged records to the spool: {}", e.toString(), e);
    }
    // Whatever the producer still holds was saved: do not wait for it. After a full drain it holds
    // nothing, and a close with time lets it end its requests without a forced close.
    producer.close(delivery.drained() ? Duration.ofSeconds(1) : Duration.ZERO);
  }
}
