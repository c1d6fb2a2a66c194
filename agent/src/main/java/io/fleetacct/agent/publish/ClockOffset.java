package io.fleetacct.agent.publish;

import java.util.ArrayDeque;

/**
 * How far this host's clock is from the Kafka brokers', measured on heartbeats: a topic with
 * {@code message.timestamp.type=LogAppendTime} acknowledges each record with the broker's time of
 * appending it, which lies between the agent's times of sending and of the acknowledgement. The
 * offset is that time less the midpoint; it may be off by half the round trip, so the best of the
 * last {@link #KEPT} measurements is the one with the shortest round trip.
 *
 * <p>Thread-safe: measured on the producer's thread, read on the heartbeat's.
 */
final class ClockOffset {

  /** A measurement: broker minus host, in ms, and by how much it may be off. */
  record Measured(long offsetMillis, long errorMillis) {}

  static final int KEPT = 32;

  private final ArrayDeque<Measured> last = new ArrayDeque<>(KEPT);

  /**
   * @param sentMillis the host's time when the record went to the producer
   * @param ackedMillis the host's time of the acknowledgement
   * @param appendedMillis the broker's log-append time of the record
   */
  synchronized void measured(long sentMillis, long ackedMillis, long appendedMillis) {
    if (ackedMillis < sentMillis) {
      return; // the host's clock stepped back between the two: no measurement
    }
    if (last.size() == KEPT) {
      last.removeFirst();
    }
    long span = ackedMillis - sentMillis;
    last.addLast(new Measured(appendedMillis - (sentMillis + span / 2), (span + 1) / 2));
  }

  /** The measurement with the shortest round trip of the last {@value #KEPT}; null before any. */
  synchronized Measured best() {
    Measured best = null;
    for (Measured m : last) {
      if (best == null || m.errorMillis() < best.errorMillis()) {
        best = m;
      }
    }
    return best;
  }
}
