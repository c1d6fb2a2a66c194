package io.fleetacct.agent.publish;

import io.fleetacct.agent.log.RateLimitedWarnings;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers TaskExit records to Kafka in agent_seq order without ever blocking the receive threads.
 *
 * <p>{@link #submit} numbers each record (agent_seq, contiguous from where the {@link SequenceJournal}
 * says the instance stands; numbers of exits the kernel announced but that never arrived are
 * skipped, so that downstream they count as lost), records the number in the journal before the
 * record can leave the process, and puts it in a bounded
 * memory queue; when the queue is full, the record goes to the disk {@link Spool}, and so does
 * every later one until the spool has been read out, so that order holds: queue (older), then
 * spool, then queue again. One publisher thread hands records to the producer in that order; a
 * send that Kafka does not accept (no metadata, buffer full) is retried until it is, and nothing
 * newer is sent before it. The producer is expected to be idempotent with unbounded delivery
 * time (see {@link ProducerSettings}): records it accepted are delivered in order or fail for good,
 * and failing for good counts as dropped.
 *
 * <p>When the spool is full, new records are dropped (drop-newest) and counted; they also show as
 * agent_seq gaps downstream. {@link #close()} drains to Kafka for a bounded time and spools the
 * rest.
 */
public final class Publisher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Publisher.class);
  private static final long ACK_PERSIST_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** Where and how often. */
  public record Config(String topic, String statusTopic, String agentInstance, int queueCapacity,
                       Duration heartbeatInterval, Duration shutdownTimeout) {}

  private final Config config;
  private final Producer<String, byte[]> producer;
  private final Spool spool;
  private final SequenceJournal journal;
  private final String key;
  private final Supplier<AgentStatus> status;
  private final PublisherCounters counters;
  private final AvroSerde<TaskExit> exitSerde = FleetacctSerdes.taskExit();
  private final AvroSerde<AgentStatus> statusSerde = FleetacctSerdes.agentStatus();
  private final RateLimitedWarnings warnings = new RateLimitedWarnings(log, 10, TimeUnit.SECONDS);
  private final Thread thread;

  // Guarded by lock: the order of records is decided here.
  private final Object lock = new Object();
  private final ArrayDeque<TaskExit> queue = new ArrayDeque<>();
  private boolean spooling;
  private long nextSeq;
  private boolean stopping;

  // Acknowledged spool progress, from the producer's callback thread to the publisher thread.
  private volatile Spool.Position spoolAcked;
  private final LongAdder spoolAckedCount = new LongAdder();
  private volatile long lastAckNanos = System.nanoTime();
  private final AtomicLong unacknowledged = new AtomicLong();

  /**
   * @param key the record key (the host)
   * @param status makes the heartbeat; called on the publisher thread
   */
  public Publisher(Config config, Producer<String, byte[]> producer, Spool spool, SequenceJournal journal,
                   String key, Supplier<AgentStatus> status, PublisherCounters counters) {
    this.config = config;
    this.producer = producer;
    this.spool = spool;
    this.journal = journal;
    this.nextSeq = journal.nextSeq();
    this.key = key;
    this.status = status;
    this.counters = counters;
    this.spooling = !spool.isEmpty(); // what an earlier run left goes first
    this.thread = new Thread(this::run, "publisher");
  }

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
  public void submit(TaskExit record, int socket, long kernelSeq, long missedBefore) {
    synchronized (lock) {
      nextSeq += missedBefore;
      journal.commit(socket, kernelSeq, nextSeq); // first: a record out of the process is always journalled
      record.setAgentSeq(nextSeq++);
      if (!spooling && queue.size() < config.queueCapacity()) {
        queue.addLast(record);
        if (queue.size() == 1) {
          lock.notifyAll();
        }
        return;
      }
      spooling = true;
      spoolLocked(exitSerde.serialize(config.topic(), record));
      lock.notifyAll();
    }
  }

  private void spoolLocked(byte[] encoded) {
    try {
      if (spool.append(encoded)) {
        counters.spooled.increment();
        warnings.warn("spooling", "Kafka is not keeping up: spooling records to disk ({} waiting, {} bytes)",
            spool.records(), spool.bytes());
      } else {
        counters.dropped.increment();
        warnings.warn("spool-full", "spool full ({} bytes): dropping new records (counted as dropped)",
            spool.bytes());
      }
    } catch (IOException e) {
      counters.dropped.increment();
      warnings.warn("spool-io", "cannot write the spool: {}; record dropped", e.toString());
    }
  }

  public long spooledRecords() {
    synchronized (lock) {
      return spool.records();
    }
  }

  public long spooledBytes() {
    synchronized (lock) {
      return spool.bytes();
    }
  }

  /** Spool frames that failed their checksum or were torn by a crash. */
  public long spoolCorruptFrames() {
    synchronized (lock) {
      return spool.corruptFrames();
    }
  }

  public int queued() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /** Kafka acknowledged something within {@code window}, or there was nothing to acknowledge. */
  public boolean delivering(Duration window) {
    return unacknowledged.get() == 0 || System.nanoTime() - lastAckNanos < window.toNanos();
  }

  public boolean spooling() {
    synchronized (lock) {
      return spooling;
    }
  }

  /**
   * One record on its way: from the queue (still in memory) or from the spool (on disk). Its
   * Kafka timestamp is its received_at, the time the streams side windows by.
   */
  private record Item(long seq, long timestamp, byte[] bytes, Spool.Position spoolPosition) {}

  private void run() {
    long nextHeartbeat = System.nanoTime();
    long nextAckPersist = System.nanoTime();
    long deadline = Long.MAX_VALUE;
    try {
      while (true) {
        Item item;
        synchronized (lock) {
          while (queue.isEmpty() && !spooling && !stopping) {
            long waitNanos = Math.min(nextHeartbeat, nextAckPersist) - System.nanoTime();
            if (waitNanos <= 0) {
              break;
            }
            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
          }
          if (stopping && deadline == Long.MAX_VALUE) {
            deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
          }
          item = nextLocked();
          if (item == null && stopping) {
            break;
          }
        }
        long now = System.nanoTime();
        if (now - nextHeartbeat >= 0) {
          sendHeartbeat();
          nextHeartbeat = now + config.heartbeatInterval().toNanos();
        }
        if (now - nextAckPersist >= 0) {
          persistSpoolAcks();
          nextAckPersist = now + ACK_PERSIST_NANOS;
        }
        if (item != null && !send(item, deadline)) {
          saveOnShutdown(item);
          return;
        }
      }
      producer.flush();
      persistSpoolAcks();
      sendHeartbeat();
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.error("publisher stopped: {}", e.toString(), e);
    }
  }

  /** The next record in order: the queue first (older), then the spool. Call with the lock held. */
  private Item nextLocked() throws IOException {
    TaskExit r = queue.pollFirst();
    if (r != null) {
      return new Item(r.getAgentSeq(), r.getReceivedAt().toEpochMilli(), exitSerde.serialize(config.topic(), r), null);
    }
    while (spooling) {
      byte[] bytes = spool.next();
      if (bytes == null) {
        break;
      }
      try {
        TaskExit spooled = exitSerde.deserialize(config.topic(), bytes);
        // An earlier instance's record (left in the spool by a previous run) has no seq of ours.
        long seq = spooled.getAgentInstance().equals(config.agentInstance()) ? spooled.getAgentSeq() : -1;
        return new Item(seq, spooled.getReceivedAt().toEpochMilli(), bytes, spool.position());
      } catch (SerializationException e) {
        // Written by a build whose schema this one cannot read: not ours to guess at.
        counters.dropped.increment();
        warnings.warn("spool-undecodable", "dropped a spooled record this agent cannot read: {}", e.getMessage());
      }
    }
    if (spooling) {
      spooling = false; // everything spooled is now with the producer (or being retried)
    }
    return null;
  }

  /**
   * Hands one record to the producer, retrying until it is accepted; false when the shutdown
   * deadline passed first. A record the producer refuses for good (too large, say) is dropped.
   */
  private boolean send(Item item, long deadline) throws InterruptedException {
    long backoffMillis = 50;
    while (true) {
      AtomicBoolean returned = new AtomicBoolean();
      unacknowledged.incrementAndGet();
      Future<RecordMetadata> f = producer.send(
          new ProducerRecord<>(config.topic(), null, item.timestamp(), key, item.bytes()),
          (metadata, error) -> onAck(item, error, returned));
      returned.set(true);
      Throwable refused = f.isDone() ? failure(f) : null;
      if (refused == null) {
        counters.encodedBytes.add(item.bytes().length);
        return true;
      }
      unacknowledged.decrementAndGet();
      counters.publishErrors.increment();
      // Refused credentials are retried too (they may be fixed, e.g. a rotated secret), not dropped.
      if (!(refused instanceof RetriableException || refused instanceof AuthenticationException)) {
        counters.dropped.increment();
        warnings.warn("refused", "Kafka refused a record for good: {}; dropped", refused.toString());
        return true;
      }
      warnings.warn("retry", "Kafka does not accept records now ({}); retrying, spooling what arrives meanwhile",
          refused.toString());
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(backoffMillis);
      backoffMillis = Math.min(1_000, backoffMillis * 2);
    }
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
  private void onAck(Item item, Exception error, AtomicBoolean returned) {
    if (error != null) {
      if (returned.get()) {
        // Accepted, then failed for good (delivery time is unbounded, so not a timeout): lost.
        unacknowledged.decrementAndGet();
        counters.dropped.increment();
        counters.publishErrors.increment();
        warnings.warn("send-failed", "Kafka failed a record for good: {}; dropped", error.toString());
      }
      return;
    }
    unacknowledged.decrementAndGet();
    lastAckNanos = System.nanoTime();
    counters.published.increment();
    if (item.seq() >= 0) {
      counters.highestSeqSent.accumulateAndGet(item.seq(), Math::max);
    }
    if (item.spoolPosition() != null) {
      spoolAcked = item.spoolPosition();
      spoolAckedCount.increment();
    }
  }

  private void persistSpoolAcks() {
    Spool.Position p = spoolAcked;
    long n = spoolAckedCount.sumThenReset();
    if (p == null && n == 0) {
      return;
    }
    synchronized (lock) {
      try {
        spool.acknowledge(p, n);
      } catch (IOException e) {
        warnings.warn("spool-ack", "cannot record spool progress: {}", e.toString());
      }
    }
  }

  private void sendHeartbeat() {
    try {
      AgentStatus s = status.get();
      Future<RecordMetadata> f = producer.send(new ProducerRecord<>(config.statusTopic(), key,
          statusSerde.serialize(config.statusTopic(), s)), (m, e) -> {
            if (e != null) {
              counters.statusErrors.increment();
            }
          });
      if (f.isDone() && failure(f) != null) {
        counters.statusErrors.increment();
      }
    } catch (RuntimeException e) {
      counters.statusErrors.increment();
      warnings.warn("heartbeat", "cannot send the heartbeat: {}", e.toString());
    }
  }

  /** The shutdown deadline passed with Kafka away: keep, on disk, what is still in memory. */
  private void saveOnShutdown(Item pending) throws IOException {
    synchronized (lock) {
      List<byte[]> older = new ArrayList<>();
      if (pending.spoolPosition() == null) {
        older.add(pending.bytes()); // from the queue: only in memory
      } // else: still in the spool, unacknowledged, and resent after a restart
      for (TaskExit r : queue) {
        older.add(exitSerde.serialize(config.topic(), r));
      }
      queue.clear();
      if (spooling || pending.spoolPosition() != null) {
        spool.prepend(older); // older than what the spool holds: in front of it
      } else {
        for (byte[] b : older) {
          spoolLocked(b);
        }
      }
      log.info("shutdown: Kafka did not take everything within {} s; {} records wait in the spool",
          config.shutdownTimeout().toSeconds(), spool.records());
    }
  }

  /** Drains to Kafka for at most the shutdown timeout, spools the rest, and stops. */
  @Override
  public void close() {
    synchronized (lock) {
      stopping = true;
      lock.notifyAll();
    }
    try {
      thread.join(config.shutdownTimeout().toMillis() + 10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
    synchronized (lock) {
      spool.close();
    }
  }
}
