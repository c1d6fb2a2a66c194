package io.fleetacct.agent.taskstats;

/**
 * Receives decoded exits on the listener's receive threads, concurrently from several: must be
 * thread-safe and quick (hand the exit on; never block on I/O that can stall).
 */
@FunctionalInterface
public interface ExitHandler {
  void onExit(ExitNotification exit, long receivedAtMillis);
}
