package io.fleetacct.common.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a long-running command lives: until SIGTERM or SIGINT (or {@link #stop()}), then it closes
 * what it runs while the JVM waits for it, for at most a bound (the JVM exits once the bound
 * passes, closed or not).
 *
 * <pre>{@code
 * try (UntilStopped life = UntilStopped.install("agent", Duration.ofSeconds(35));
 *      Agent agent = Agent.start(config)) {
 *   life.await();
 * } // the agent closes first, then the hook lets the JVM go
 * }</pre>
 */
public final class UntilStopped implements AutoCloseable {

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook;

  private UntilStopped(String name, Duration closeBound) {
    hook = new Thread(() -> {
      stop.countDown();
      try {
        closed.await(closeBound.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-shutdown");
  }

  /** Registers the shutdown hook; {@code closeBound} is how long a signal waits for {@link #close()}. */
  public static UntilStopped install(String name, Duration closeBound) {
    UntilStopped u = new UntilStopped(name, closeBound);
    Runtime.getRuntime().addShutdownHook(u.hook);
    return u;
  }

  /** Blocks until a signal or {@link #stop()}. */
  public void await() throws InterruptedException {
    stop.await();
  }

  /** Blocks until a signal or {@link #stop()}, or {@code timeout}; true if stopped. */
  public boolean await(Duration timeout) throws InterruptedException {
    return stop.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Ends the wait as a signal would (for a command that finishes by itself). */
  public void stop() {
    stop.countDown();
  }

  /** Everything is closed: a signal's hook may let the JVM exit; without a signal, the hook goes. */
  @Override
  public void close() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs and has been let go above
    }
  }
}
