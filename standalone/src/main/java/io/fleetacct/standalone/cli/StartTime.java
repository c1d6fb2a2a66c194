package io.fleetacct.standalone.cli;

import java.time.Instant;

/**
 * When the command started, for the "up in N s" figure: the launcher's own start where it says it
 * ({@value #LAUNCHED_AT}, epoch milliseconds, set by {@code ./fleetacct} after any build), else
 * the JVM's, so that the figure includes starting the JVM.
 */
final class StartTime {

  static final String LAUNCHED_AT = "FLEETACCT_LAUNCHED_AT_MS";
  /**
   * How far the JVM's start as the kernel gives it may be early: it adds the process's start in
   * ticks to the boot time in whole seconds, so it may be early by up to a second.
   */
  static final long JVM_START_ERROR_MILLIS = 1_000;

  private StartTime() {}

  /** Seconds from the command's start until now. */
  static double secondsSince() {
    long now = System.currentTimeMillis();
    return (now - start(now)) / 1e3;
  }

  /** Seconds from the command's start until {@code reached} (epoch milliseconds): the launcher's and the JVM's part. */
  static double launcherSeconds(long reached) {
    return Math.max(0, reached - start(reached)) / 1e3;
  }

  private static long start(long now) {
    // The process's start from /proc: cheaper than the management beans, which load classes of their own.
    long jvmStart = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(now);
    return startMillis(System.getenv(LAUNCHED_AT), jvmStart, now);
  }

  /**
   * The launcher's time where it is a plausible one (not after {@code now}, not after the JVM's
   * start allowing for that start's error, not older than 10 minutes), else the JVM's.
   */
  static long startMillis(String launchedAt, long jvmStart, long now) {
    if (launchedAt != null) {
      try {
        long t = Long.parseLong(launchedAt.trim());
        if (t <= jvmStart + JVM_START_ERROR_MILLIS && t <= now && jvmStart - t < 600_000) {
          return t;
        }
      } catch (NumberFormatException e) {
        // not set by our launcher: the JVM's start
      }
    }
    return jvmStart;
  }
}
