package io.fleetacct.agent.sample;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the sampler did, for metrics and the heartbeat. */
public final class SamplerCounters {
  /** Sampling cycles completed. */
  public final LongAdder cycles = new LongAdder();
  /** Threads queried (TASKSTATS_CMD_GET), over all cycles. */
  public final LongAdder threadsRead = new LongAdder();
  /** TaskSample records made. */
  public final LongAdder samples = new LongAdder();
  /** Queries or journal writes that failed (the thread is read again next cycle). */
  public final LongAdder errors = new LongAdder();
  /** How long the last cycle took, in ns. */
  public final AtomicLong lastCycleNanos = new AtomicLong();
}
