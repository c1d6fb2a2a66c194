package io.fleetacct.agent.publish;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the publisher counted; every record it could not deliver is in {@link #dropped}. */
public final class PublisherCounters {
  /** Records Kafka acknowledged. */
  public final LongAdder published = new LongAdder();
  /** Records written to the disk spool (over the agent's life). */
  public final LongAdder spooled = new LongAdder();
  /** Records the agent gave up on: spool full, or Kafka refused them for good. */
  public final LongAdder dropped = new LongAdder();
  /** Send attempts Kafka refused or that timed out (records were retried or spooled, not lost). */
  public final LongAdder publishErrors = new LongAdder();
  /** Heartbeats lost: the spool was full, or Kafka refused them for good (the next one carries the same counters). */
  public final LongAdder statusErrors = new LongAdder();
  /** Highest agent_seq Kafka acknowledged; -1 before the first. */
  public final AtomicLong highestSeqSent = new AtomicLong(-1);
  /** Encoded bytes of the records sent (for bytes per exit). */
  public final LongAdder encodedBytes = new LongAdder();
}
