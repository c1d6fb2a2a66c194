package io.fleetacct.agent.log;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * At most one warning per kind per interval; the next one that gets through says how many were
 * held back. Hot paths (a flood of malformed messages) must not turn into a flood of log lines.
 */
public final class RateLimitedWarnings {

  private final Logger log;
  private final long intervalNanos;
  private final ConcurrentHashMap<String, State> kinds = new ConcurrentHashMap<>();

  private static final class State {
    final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong suppressed = new AtomicLong();
  }

  public RateLimitedWarnings(Logger log, long interval, TimeUnit unit) {
    this.log = log;
    this.intervalNanos = unit.toNanos(interval);
  }

  public void warn(String kind, String format, Object... args) {
    State s = kinds.computeIfAbsent(kind, k -> new State());
    long now = System.nanoTime();
    long next = s.nextAllowed.get();
    if ((next != Long.MIN_VALUE && now - next < 0) || !s.nextAllowed.compareAndSet(next, now + intervalNanos)) {
      s.suppressed.incrementAndGet();
      return;
    }
    long held = s.suppressed.getAndSet(0);
    if (held > 0) {
      log.warn(format + " (" + held + " more like this held back)", args);
    } else {
      log.warn(format, args);
    }
  }
}
