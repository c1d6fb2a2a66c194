package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.taskstats.ExitNotification;

/**
 * Finds the cgroup each exit happened in. Called from the receive threads, concurrently, once per
 * exit notification, in the order each socket received them.
 */
public interface Attributor extends AutoCloseable {

  /** Where this exit belongs; {@link Attribution#NONE} (counted) when that cannot be found. */
  Attribution attribute(ExitNotification exit);

  /** {@code exact} or {@code proc}: what start-up lines and heartbeats say. */
  String mode();

  AttributionCounters counters();

  @Override
  void close();
}
