package io.fleetacct.agent.taskstats;

/**
 * Receives decoded exits on the listener's receive threads, concurrently from several: must be
 * thread-safe and quick (hand the exit on; never block on I/O that can stall). Calls for one
 * socket come from one thread, in the kernel's order. The exit is a view over the receive buffer,
 * reused for the socket's next exit: keep a {@link ExitNotification#copy()} of one to keep it.
 */
@FunctionalInterface
public interface ExitHandler {

  /**
   * @param socket the receiving socket, an index into {@link ExitListener#socketCpus()}
   * @param missedBefore exit notifications the kernel announced on that socket's CPU since the one
   *     received before this, that never arrived (known only where a socket covers one CPU; else 0)
   */
  void onExit(ExitNotification exit, long receivedAtMillis, int socket, long missedBefore);
}
