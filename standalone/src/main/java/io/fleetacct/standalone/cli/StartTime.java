package io.fleetacct.standalone.cli;

import java.time.Instant;

/**
 * When the command started, for the "up in N s" figure: the launcher's own start where it says it
 * ({@value #LAUNCHED_AT}, epoch milliseconds, set by {@code ./fleetacct} after any build), else
 * the JVM's, so that the figure includes starting the JVM.
 */
final class StartTime {

  static final String LAUNCHED_AT = "FLEETACCT_LAUNCHED_AT_MS";

  private StartTime() {}

  /** Seconds from the command's start until now. */
  static double secondsSince() {
    long now = System.currentTimeMillis();
    // The process's start from /proc: cheaper than the management beans, which load classes of their own.
    long jvmStart = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(now);
    return (now - startMillis(System.getenv(LAUNCHED_AT), jvmStart, now)) / 1e3;
  }

  /** The launcher's time where it is a plausible one (not after {@code now}, not after the JVM's start), else the JVM's. */
  static long startMillis(String launchedAt, long jvmStart, long now) {
    if (launchedAt != null) {
      try {
        long t = Long.parseLong(launchedAt.trim());
        if (t <= jvmStart && t <= now && jvmStart - t < 600_000) {
          return t;
        }
      } catch (NumberFormatException e) {
        // not set by our launcher: the JVM's start
      }
    }
    return jvmStart;
  }
}
