package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.taskstats.ExitNotification;

/**
 * Finds the cgroup each exit happened in, and the command of its process. Called from the receive threads, concurrently, once per
 * exit notification, in the order each socket received them.
 */
public interface Attributor extends AutoCloseable {

  /**
   * Where this exit belongs: its cgroup ({@link Attribution#NONE}, counted, when that cannot be
   * found) and its process's command (the thread's own name, counted as {@code own}, when that
   * cannot be found).
   */
  ExitAttribution attribute(ExitNotification exit);

  /** {@code exact} or {@code proc}: what start-up lines and heartbeats say. */
  String mode();

  AttributionCounters counters();

  @Override
  void close();
}
