package io.fleetacct.agent.publish;

import io.fleetacct.agent.log.RateLimitedWarnings;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery loop, on a thread of its own: takes records from the {@link Backlog} in order and
 * hands them to the producer, retrying one that Kafka does not accept now (no metadata, buffer
 * full, refused credentials) before anything newer; makes the heartbeat, and measures the clock
 * offset on its acknowledgements. A stop sets a deadline that every wait here respects: until it,
 * the loop drains the backlog, then delivers a last heartbeat; at it, or as soon as Kafka has
 * acknowledged nothing for {@link #STALLED_NANOS} while records wait (Kafka away: a restart should
 * not wait for it), what is not acknowledged is saved to the spool, a last heartbeat behind it.
 */
final class Delivery implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Delivery.class);
  private static final long ACK_PERSIST_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long NO_DEADLINE = Long.MAX_VALUE;
  /** Records taken from the backlog at once; all are in flight (and saved by a stop) until acknowledged. */
  private static final int MAX_BATCH = 1024;
  /** A stop does not wait for a Kafka that has acknowledged nothing for this long while records wait. */
  static final long STALLED_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Backlog backlog;
  private final Producer<String, byte[]> producer;
  private final Heartbeat heartbeat;
  private final String topic;
  private final String statusTopic;
  private final String key;
  private final PublisherCounters counters;
  private final ClockOffset clockOffset;
  private final Clock clock;
  private final RateLimitedWarnings warnings = new RateLimitedWarnings(log, 10, TimeUnit.SECONDS);

  private final Object stopLock = new Object();
  private volatile long deadline = NO_DEADLINE;
  private volatile boolean stopped;
  private volatile boolean drained;

  Delivery(Backlog backlog, Producer<String, byte[]> producer, Heartbeat heartbeat, String topic, String statusTopic,
           String key, PublisherCounters counters, ClockOffset clockOffset, Clock clock) {
    this.backlog = backlog;
    this.producer = producer;
    this.heartbeat = heartbeat;
    this.topic = topic;
    this.statusTopic = statusTopic;
    this.key = key;
    this.counters = counters;
    this.clockOffset = clockOffset;
    this.clock = clock;
  }

  /** Asks the loop to finish by {@code deadlineNanos} (System.nanoTime). */
  void stopBy(long deadlineNanos) {
    synchronized (stopLock) {
      deadline = deadlineNanos;
      stopLock.notifyAll();
    }
  }

  private boolean stopping() {
    return deadline != NO_DEADLINE;
  }

  private boolean pastDeadline() {
    return stopping() && System.nanoTime() - deadline >= 0;
  }

  /** Whether the loop has ended (delivered everything, or saved the rest). */
  boolean stopped() {
    return stopped;
  }

  /** Whether the loop ended with everything acknowledged (nothing saved). */
  boolean drained() {
    return drained;
  }

  @Override
  public void run() {
    long nextAckPersist = System.nanoTime();
    List<Backlog.Item> taken = new ArrayList<>(MAX_BATCH);
    int next = 0; // taken.get(next) is the next to hand to the producer
    long backoff = TimeUnit.MILLISECONDS.toNanos(50);
    boolean lastHeartbeat = false;
    try {
      while (true) {
        long now = System.nanoTime();
        long untilHeartbeat = lastHeartbeat ? ACK_PERSIST_NANOS : heartbeat.maybeSend(now); // the last stays last
        if (now - nextAckPersist >= 0) {
          backlog.persistSpoolAcks();
          nextAckPersist = now + ACK_PERSIST_NANOS;
        }
        if (stopping()) {
          if (next == taken.size() && backlog.delivered()) {
            if (!lastHeartbeat) { // everything delivered: the last heartbeat says so, and is delivered too
              heartbeat.sendLast();
              lastHeartbeat = true;
              continue;
            }
            finish();
            return;
          }
          if (pastDeadline() || !backlog.delivering(STALLED_NANOS)) { // the rule of Publisher.kafkaAway()
            save(); // the deadline, or Kafka away: waiting longer would only keep the agent from restarting
            return;
          }
        }
        long wait = Math.min(untilHeartbeat, ACK_PERSIST_NANOS);
        if (stopping()) {
          wait = Math.min(wait, Math.max(0, deadline - now));
        }
        if (next == taken.size()) {
          taken.clear();
          next = 0;
          if (backlog.take(taken, MAX_BATCH, Math.max(1, Math.min(wait, TimeUnit.MILLISECONDS.toNanos(20)))) == 0) {
            continue;
          }
          backoff = TimeUnit.MILLISECONDS.toNanos(50);
        }
        if (send(taken.get(next))) {
          next++;
        } else {
          pause(Math.min(backoff, stopping() ? Math.max(0, deadline - System.nanoTime()) : backoff));
          backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
        }
      }
    } catch (InterruptedException e) {
      saveQuietly();
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.error("publisher stopped: {}", e.toString(), e);
      saveQuietly();
    } finally {
      stopped = true;
    }
  }

  /** Waits, but wakes at once for a stop. */
  private void pause(long nanos) throws InterruptedException {
    synchronized (stopLock) {
      if (nanos > 0 && !pastDeadline()) {
        TimeUnit.NANOSECONDS.timedWait(stopLock, nanos);
      }
    }
  }

  /**
   * Hands one record to the producer; false when Kafka does not accept it now (to be retried). A
   * record refused for good (too large, say) is dropped and counted.
   */
  private boolean send(Backlog.Item item) {
    AtomicBoolean returned = new AtomicBoolean();
    Throwable refused;
    long sentMillis = clock.millis();
    try {
      Future<RecordMetadata> f = producer.send(new ProducerRecord<>(item.heartbeat() ? statusTopic : topic, null,
              item.timestamp(), key, item.bytes()),
          (metadata, error) -> onCompletion(item, metadata, error, returned, sentMillis));
      returned.set(true);
      refused = f.isDone() ? failure(f) : null;
    } catch (KafkaException e) {
      refused = e; // an interrupted wait for metadata, a closed producer
    }
    if (refused == null) {
      counters.encodedBytes.add(item.bytes().length);
      return true;
    }
    counters.publishErrors.increment();
    // Refused credentials are retried too (they may be fixed, e.g. a rotated secret), not dropped.
    if (refused instanceof RetriableException || refused instanceof AuthenticationException
        || refused instanceof org.apache.kafka.common.errors.InterruptException) {
      warnings.warn("retry", "Kafka does not accept records now ({}); retrying, spooling what arrives meanwhile",
          refused.toString());
      return false;
    }
    backlog.failed(item);
    warnings.warn("refused", "Kafka refused a record for good: {}; dropped", refused.toString());
    return true;
  }

  private static Throwable failure(Future<RecordMetadata> f) {
    try {
      f.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }

  /** On the producer's thread. {@code returned}: send() had returned, so an error is not send()'s to retry. */
  private void onCompletion(Backlog.Item item, RecordMetadata metadata, Exception error, AtomicBoolean returned,
                            long sentMillis) {
    if (error == null) {
      // A timestamp other than the one sent is the broker's log-append time (a LogAppendTime topic).
      if (item.heartbeat() && metadata.hasTimestamp() && metadata.timestamp() != item.timestamp()) {
        clockOffset.measured(sentMillis, clock.millis(), metadata.timestamp());
      }
      backlog.acknowledged(item);
    } else if (returned.get()) {
      // Accepted, then failed for good (delivery time is unbounded, so not a timeout), unless it
      // was saved first (a stop closes the producer under what it still holds).
      counters.publishErrors.increment();
      backlog.failed(item);
      warnings.warn("send-failed", "Kafka failed a record: {}", error.toString());
    }
  }

  /** Everything acknowledged, the last heartbeat too. */
  private void finish() throws IOException {
    drained = true;
    backlog.persistSpoolAcks();
  }

  private void save() throws IOException {
    // An interrupt (from close(), to end a send blocked in the producer) is set aside: file
    // channels of an interrupted thread refuse to write.
    boolean interrupted = Thread.interrupted();
    int saved;
    try {
      backlog.persistSpoolAcks();
      saved = backlog.saveUnacknowledged();
      heartbeat.sendLast(); // behind the saved records: says what waits, delivered with them by the next start
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("shutdown: Kafka did not acknowledge everything in time; {} records in flight or queued saved in front"
        + " of the spool, {} records wait there", saved, backlog.spooledRecords());
  }

  private void saveQuietly() {
    try {
      save();
    } catch (IOException | RuntimeException e) {
      log.error("cannot save unacknowledged records to the spool: {}", e.toString(), e);
    }
  }
}
