package io.fleetacct.common.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * How a long-running command lives: until SIGTERM or SIGINT (or {@link #stop()}), then it closes
 * what it runs and ends as a command that finished: with its own exit code (0 after a clean stop,
 * not the 143 of a JVM killed by a signal), for at most a bound (past it the process ends with
 * status {@value #OVERRAN}, closed or not).
 *
 * <pre>{@code
 * try (UntilStopped life = UntilStopped.install("agent", Duration.ofSeconds(35));
 *      Agent agent = Agent.start(config)) {
 *   life.await();
 * } // the agent closes, then main returns its exit code
 * }</pre>
 *
 * <p>SIGTERM and SIGINT are taken by handlers of their own, so that the main thread closes and
 * returns. Where a handler cannot be set (SIGINT ignored: a background job of a non-interactive
 * shell), and for any other end of the JVM, a shutdown hook waits for {@link #close()} instead.
 */
public final class UntilStopped implements AutoCloseable {

  /** The exit status when closing takes longer than its bound. */
  public static final int OVERRAN = 3;

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final String name;
  private final Duration closeBound;
  private final Thread hook;

  private UntilStopped(String name, Duration closeBound) {
    this.name = name;
    this.closeBound = closeBound;
    hook = new Thread(() -> {
      stop.countDown();
      awaitClosed();
    }, name + "-shutdown");
  }

  /** Registers the signal handlers and the shutdown hook; {@code closeBound}: how long a stop may take. */
  public static UntilStopped install(String name, Duration closeBound) {
    UntilStopped u = new UntilStopped(name, closeBound);
    Runtime.getRuntime().addShutdownHook(u.hook);
    for (String signal : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(signal), s -> u.stopBySignal());
      } catch (IllegalArgumentException e) {
        // not ours to take (ignored by the shell, or used by the JVM): the shutdown hook serves
      }
    }
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

  private void stopBySignal() {
    if (stop.getCount() == 0) {
      return; // a second Ctrl-C: the stop under way holds its bound
    }
    stop.countDown();
    Thread watchdog = new Thread(() -> {
      if (!awaitClosed()) {
        System.err.printf("%s: did not stop within %d s; exiting anyway%n", name, closeBound.toSeconds());
        Runtime.getRuntime().halt(OVERRAN);
      }
    }, name + "-stop-bound");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Waits up to the bound for {@link #close()}; true if it came. */
  private boolean awaitClosed() {
    try {
      return closed.await(closeBound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
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
