package io.fleetacct.agent.publish;

import io.fleetacct.agent.log.RateLimitedWarnings;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.serde.AvroAnySerde;
import io.fleetacct.schema.serde.Sequenced;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every record not yet acknowledged by Kafka, in agent_seq order: a bounded memory queue, the disk
 * {@link Spool}, and the records taken from them for the producer (in flight) until Kafka
 * acknowledges each. When the queue is full, a record goes to the spool, and so does every later
 * one until the spool has been read out: queue (older), then spool, then queue again. On a stop
 * that Kafka does not let finish, {@link #saveUnacknowledged} puts everything in flight and queued
 * in front of the spool, in order, so that nothing accepted by the producer but not acknowledged is
 * lost; records that Kafka did take after all come again and are dropped downstream by agent_seq.
 * Heartbeats ({@link AgentStatus}) take the same way, in order with the records, so that one that
 * Kafka cannot take is spooled like them, and each reaches the status topic after the records made
 * before it. The delivery watermark ({@link #oldestWaiting}) is the time of the oldest record
 * not yet acknowledged.
 *
 * <p>Thread-safe: records are added by the receive threads (through the publisher's numbering),
 * taken by the delivery thread, and acknowledged on the producer's I/O thread.
 */
final class Backlog implements Waiting {

  private static final Logger log = LoggerFactory.getLogger(Backlog.class);

  /**
   * One record on its way: from the queue (still in memory) or from the spool (on disk). Its
   * Kafka timestamp is its time (an exit's received_at, a sample's sampled_at, a heartbeat's
   * sent_at), which the streams side windows by.
   */
  record Item(long order, long seq, long timestamp, byte[] bytes, Spool.Position spoolPosition, boolean heartbeat) {}

  /** A record in the memory queue, encoded as the topic carries it. */
  private record Queued(long seq, long timestamp, byte[] bytes, boolean heartbeat) {}

  /** How long the delivery thread, woken by a record, waits for the rest of its batch. */
  private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final Spool spool;
  private final int queueCapacity;
  private final AvroAnySerde serde;
  private final String topic;
  private final String agentInstance;
  private final PublisherCounters counters;
  private final RateLimitedWarnings warnings = new RateLimitedWarnings(log, 10, TimeUnit.SECONDS);

  // Guarded by this: the order of records is decided here.
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private boolean spooling;
  /** Spooling since the start, behind an earlier run's records: not Kafka falling behind. */
  private boolean fromEarlierRun;
  private long nextOrder;
  private boolean saved;
  /**
   * No spooled record not yet taken is older than this (Long.MAX_VALUE: none waits there): the
   * time of the first record spooled, then of the last one taken from the spool. Records are in
   * agent_seq order, whose times rise but for a sample made while exits went ahead of it.
   */
  private long spoolFloor = Long.MAX_VALUE;
  /** The first record of an earlier run's spool, read at the start to know its time. */
  private Item earlierRunHead;

  /** Taken and not acknowledged, by the order they were taken in (a hash map: cheaper per record; sorted to save). */
  private final ConcurrentHashMap<Long, Item> inFlight = new ConcurrentHashMap<>();
  private volatile long lastAckNanos = System.nanoTime();
  /** When records last began to wait for Kafka with none waiting before (System.nanoTime). */
  private volatile long waitingSinceNanos = System.nanoTime();
  private Spool.Position spoolAcked; // guarded by this
  private long spoolAckedCount; // guarded by this: records
  private long spoolAckedHeartbeats; // guarded by this

  Backlog(Spool spool, int queueCapacity, AvroAnySerde serde, String topic, String agentInstance,
          PublisherCounters counters) {
    this.spool = spool;
    this.queueCapacity = queueCapacity;
    this.serde = serde;
    this.topic = topic;
    this.agentInstance = agentInstance;
    this.counters = counters;
    this.spooling = !spool.isEmpty(); // what an earlier run left goes first
    this.fromEarlierRun = spooling;
    if (fromEarlierRun) {
      log.info("{} records of an earlier run wait in the spool: they go first, new records behind them",
          spool.records());
      try {
        earlierRunHead = readSpooled();
        spoolFloor = earlierRunHead == null ? Long.MAX_VALUE : earlierRunHead.timestamp();
      } catch (IOException e) {
        warnings.warn("spool-io", "cannot read the spool: {}", e.toString());
      }
    }
  }

  /**
   * Queues a numbered record, or spools it; never blocks on Kafka. After {@link #saveUnacknowledged}
   * (a stop with Kafka away, while the agent still listens) it goes straight to the spool's end.
   */
  synchronized void add(SpecificRecord record) {
    byte[] bytes = serde.serialize(topic, record);
    if (record instanceof AgentStatus status) {
      add(new Queued(-1, status.getSentAt().toEpochMilli(), bytes, true));
    } else {
      Sequenced at = Sequenced.of(record);
      add(new Queued(at.agentSeq(), at.time().toEpochMilli(), bytes, false));
    }
  }

  /** As {@link #add(SpecificRecord)}, for a record already encoded as the topic carries it. */
  synchronized void addEncoded(long seq, long timestamp, byte[] bytes) {
    add(new Queued(seq, timestamp, bytes, false));
  }

  private void add(Queued q) {
    if (!saved && !spooling && queue.size() < queueCapacity) {
      queue.addLast(q);
      if (queue.size() == 1) {
        notifyAll();
      }
      return;
    }
    if (spoolFloor == Long.MAX_VALUE && !q.heartbeat()) {
      spoolFloor = q.timestamp(); // the first record spooled (a heartbeat may lead)
    }
    spooling = true;
    append(q.bytes(), q.heartbeat());
    notifyAll();
  }

  private void append(byte[] encoded, boolean heartbeat) {
    try {
      if (spool.append(encoded)) {
        if (heartbeat) {
          return;
        }
        counters.spooled.increment();
        if (!fromEarlierRun) {
          warnings.warn("spooling", "Kafka is not keeping up: spooling records to disk ({} waiting, {} bytes)",
              spool.records(), spool.bytes());
        }
      } else {
        (heartbeat ? counters.statusErrors : counters.dropped).increment();
        warnings.warn("spool-full", "spool full ({} bytes): dropping new records (counted as dropped)",
            spool.bytes());
      }
    } catch (IOException e) {
      (heartbeat ? counters.statusErrors : counters.dropped).increment();
      warnings.warn("spool-io", "cannot write the spool: {}; record dropped", e.toString());
    }
  }

  /**
   * Takes up to {@code max} records in order (the queue first, then the spool) into {@code out},
   * now in flight; waits up to {@code waitNanos} for the first. Having waited, it lets the rest of
   * the burst arrive for {@link #GATHER_NANOS} first: the receive threads submit a batch at a time,
   * and one wake-up per batch costs less CPU than one per record. Returns how many it took; none
   * if none came, or after {@link #saveUnacknowledged}.
   */
  synchronized int take(List<Item> out, int max, long waitNanos) throws InterruptedException, IOException {
    long until = System.nanoTime() + waitNanos;
    boolean woken = false;
    while (!saved) {
      if (!queue.isEmpty() || spooling) {
        if (woken && !spooling && queue.size() < max) {
          woken = false;
          TimeUnit.NANOSECONDS.timedWait(this, GATHER_NANOS); // add() does not notify while records wait
          continue;
        }
        int taken = 0;
        Item item;
        if (inFlight.isEmpty()) {
          waitingSinceNanos = System.nanoTime();
        }
        while (taken < max && (item = nextLocked()) != null) {
          inFlight.put(item.order(), item);
          out.add(item);
          taken++;
        }
        return taken;
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        return 0;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
      woken = true;
    }
    return 0;
  }

  private Item nextLocked() throws IOException {
    Queued q = queue.pollFirst();
    if (q != null) {
      return new Item(nextOrder++, q.seq(), q.timestamp(), q.bytes(), null, q.heartbeat());
    }
    Item spooled = earlierRunHead != null ? earlierRunHead : spooling ? readSpooled() : null;
    earlierRunHead = null;
    if (spooled != null) {
      spoolFloor = spooled.timestamp();
      return spooled;
    }
    spooling = false; // everything spooled is now in flight
    fromEarlierRun = false;
    spoolFloor = Long.MAX_VALUE;
    return null;
  }

  /** The next record of the spool that this build can read, or null. */
  private Item readSpooled() throws IOException {
    byte[] bytes;
    while ((bytes = spool.next()) != null) {
      try {
        SpecificRecord r = serde.deserialize(topic, bytes);
        if (r instanceof AgentStatus status) {
          return new Item(nextOrder++, -1, status.getSentAt().toEpochMilli(), bytes, spool.position(), true);
        }
        Sequenced spooled = Sequenced.of(r);
        // An earlier instance's record (left in the spool by a previous run) has no seq of ours.
        long seq = spooled.agentInstance().equals(agentInstance) ? spooled.agentSeq() : -1;
        return new Item(nextOrder++, seq, spooled.time().toEpochMilli(), bytes, spool.position(), false);
      } catch (SerializationException e) {
        // Written by a build whose schema this one cannot read: not ours to guess at.
        counters.dropped.increment();
        warnings.warn("spool-undecodable", "dropped a spooled record this agent cannot read: {}", e.getMessage());
      }
    }
    return null;
  }

  /**
   * The time of the oldest record (not heartbeat) that Kafka has not acknowledged: in flight,
   * queued or spooled; Long.MAX_VALUE when none waits.
   */
  synchronized long oldestWaiting() {
    long oldest = Math.min(spoolFloor, earlierRunHead == null ? Long.MAX_VALUE : earlierRunHead.timestamp());
    for (Item i : inFlight.values()) {
      if (!i.heartbeat()) {
        oldest = Math.min(oldest, i.timestamp());
      }
    }
    for (Queued q : queue) {
      if (!q.heartbeat()) {
        return Math.min(oldest, q.timestamp()); // the queue is in agent_seq order
      }
    }
    return oldest;
  }

  /** Kafka acknowledged it (on the producer's thread). */
  void acknowledged(Item item) {
    if (inFlight.remove(item.order()) == null) {
      return; // saved already; it comes again and is dropped downstream as a duplicate
    }
    lastAckNanos = System.nanoTime();
    if (!item.heartbeat()) {
      counters.published.increment();
    }
    if (item.seq() >= 0) {
      counters.highestSeqSent.accumulateAndGet(item.seq(), Math::max);
    }
    if (item.spoolPosition() != null) {
      synchronized (this) {
        spoolAcked = item.spoolPosition();
        if (item.heartbeat()) {
          spoolAckedHeartbeats++;
        } else {
          spoolAckedCount++;
        }
      }
    }
  }

  /** The producer refused it for good, or failed it after accepting it: lost, unless saved first. */
  void failed(Item item) {
    if (inFlight.remove(item.order()) != null) {
      (item.heartbeat() ? counters.statusErrors : counters.dropped).increment();
    }
  }

  /** Records the spool's acknowledged progress on disk (cheap to call often). */
  synchronized void persistSpoolAcks() {
    if (spoolAcked == null || spoolAckedCount + spoolAckedHeartbeats == 0 || saved) {
      return;
    }
    try {
      spool.acknowledge(spoolAcked, spoolAckedCount, spoolAckedHeartbeats);
      spoolAckedCount = 0;
      spoolAckedHeartbeats = 0;
    } catch (IOException e) {
      warnings.warn("spool-ack", "cannot record spool progress: {}", e.toString());
    }
  }

  /** Nothing queued, spooled or in flight: everything is acknowledged. */
  synchronized boolean delivered() {
    return queue.isEmpty() && !spooling && inFlight.isEmpty() && earlierRunHead == null;
  }

  /**
   * Nothing waits for Kafka, or what waits has waited less than {@code windowNanos} since Kafka's
   * last acknowledgement (or since it began to wait, after a quiet time with nothing to acknowledge).
   */
  boolean delivering(long windowNanos) {
    return inFlight.isEmpty() || System.nanoTime() - Math.max(lastAckNanos, waitingSinceNanos) < windowNanos;
  }

  /**
   * For a stop Kafka did not let finish: everything in flight (in the order taken) and queued goes
   * in front of the spool, whose unacknowledged records follow; a restart sends it all first.
   * After this nothing more is taken, and acknowledgements or failures still coming change nothing.
   */
  synchronized int saveUnacknowledged() throws IOException {
    if (saved) {
      return 0;
    }
    saved = true;
    List<byte[]> older = new ArrayList<>();
    inFlight.values().stream().sorted(Comparator.comparingLong(Item::order))
        .forEach(item -> older.add(item.bytes())); // spooled ones too: the spool is read again, duplicates dropped
    inFlight.clear();
    earlierRunHead = null; // still in the spool, which a restart reads from its start
    for (Queued q : queue) {
      older.add(q.bytes());
    }
    queue.clear();
    if (!older.isEmpty()) {
      spool.prepend(older);
    }
    notifyAll();
    return older.size();
  }

  @Override
  public synchronized int queued() {
    int n = 0;
    for (Queued q : queue) {
      n += q.heartbeat() ? 0 : 1;
    }
    return n;
  }

  @Override
  public int inFlight() {
    int n = 0;
    for (Item i : inFlight.values()) {
      n += i.heartbeat() ? 0 : 1;
    }
    return n;
  }

  synchronized boolean spooling() {
    return spooling;
  }

  @Override
  public synchronized long spooledRecords() {
    return spool.records();
  }

  @Override
  public synchronized long spooledBytes() {
    return spool.bytes();
  }

  @Override
  public synchronized long spoolCorruptFrames() {
    return spool.corruptFrames();
  }

  synchronized void close() {
    spool.close();
  }
}
