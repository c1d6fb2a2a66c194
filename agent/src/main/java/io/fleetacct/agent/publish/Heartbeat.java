package io.fleetacct.agent.publish;

/**
 * Makes the agent's {@link AgentStatus} every interval and puts it in the {@link Backlog}, behind
 * the records made before it: delivered to the status topic in that order, or spooled with them
 * while Kafka is away.
 */
final class Heartbeat {

  private final Backlog backlog;
  private final Publisher.StatusSource source;
  private final long intervalNanos;
  private long nextNanos = System.nanoTime();

  Heartbeat(Backlog backlog, Publisher.StatusSource source, long intervalNanos) {
    this.backlog = backlog;
    this.source = source;
    this.intervalNanos = intervalNanos;
  }

  /** Makes one if the interval has passed; returns how long until the next is due. */
  long maybeSend(long nowNanos) {
    if (nowNanos - nextNanos >= 0) {
      backlog.add(source.status(false));
      nextNanos = nowNanos + intervalNanos;
    }
    return nextNanos - nowNanos;
  }

  /** The final heartbeat of a stop. */
  void sendLast() {
    backlog.add(source.status(true));
  }
}
