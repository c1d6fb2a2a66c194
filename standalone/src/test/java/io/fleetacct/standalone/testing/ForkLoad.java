package io.fleetacct.standalone.testing;

import io.fleetacct.testing.Workload;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault tests' load: batches of 20 short-lived workload children (some multi-threaded),
 * {@value #PAUSE_MILLIS} ms apart, about 160 exits/s on 2 cores (a load, not a saturation), until
 * closed. The exits are what the tests count; their rate is not: each costs the machine the fork
 * and every listener's share, which on 2 cores is most of a fault test's CPU.
 */
public final class ForkLoad implements AutoCloseable {

  /** Between batches. */
  public static final long PAUSE_MILLIS = 100;

  private final AtomicBoolean on = new AtomicBoolean(true);
  private final AtomicLong children = new AtomicLong();
  private final Thread thread;

  private ForkLoad(String prefix) {
    thread = new Thread(() -> {
      while (on.get()) {
        children.addAndGet(Workload.run(20, prefix, null).size());
        try {
          Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fork-load");
  }

  /** Starts forking children named after {@code prefix}. */
  public static ForkLoad start(String prefix) {
    ForkLoad load = new ForkLoad(prefix);
    load.thread.start();
    return load;
  }

  /** Workload children forked so far. */
  public long children() {
    return children.get();
  }

  /** Stops after the batch under way (waits up to 60 s for it). */
  @Override
  public void close() throws InterruptedException {
    on.set(false);
    thread.join(60_000);
  }
}
