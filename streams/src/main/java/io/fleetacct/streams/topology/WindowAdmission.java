package io.fleetacct.streams.topology;

import java.time.Duration;

/**
 * Which records the 1-minute windows take: every record stamped within the retention before this
 * application's clock, however late it arrives (an agent's spool replayed after a network cut or a
 * Kafka outage), up to {@link #AHEAD_LIMIT} after it. Judged by the wall clock, not by stream time:
 * stream time is moved on by the rest of the fleet, and by any host whose clock runs ahead.
 *
 * <p>What is outside goes to the all-time tables only and is counted per agent instance. The
 * windowed aggregations get a grace ({@link #grace}) that no admitted record can outlive, so that
 * Kafka Streams itself never drops one as late.
 */
public final class WindowAdmission {

  /** Where a record stands against the windows. */
  public enum Verdict { IN, TOO_OLD, AHEAD }

  /** How far ahead of this application's clock a record may be stamped and still be windowed. */
  public static final Duration AHEAD_LIMIT = Duration.ofHours(1);
  /**
   * Beyond retention and ahead limit in the grace: clocks of instances differ a little, and sums
   * the combiner held across a crash go on later than their records were admitted.
   */
  static final Duration SLACK = Duration.ofHours(1);

  private final long retentionMillis;

  public WindowAdmission(Duration retention) {
    this.retentionMillis = retention.toMillis();
  }

  public Verdict of(long timestampMillis, long nowMillis) {
    if (timestampMillis < nowMillis - retentionMillis) {
      return Verdict.TOO_OLD;
    }
    return timestampMillis > nowMillis + AHEAD_LIMIT.toMillis() ? Verdict.AHEAD : Verdict.IN;
  }

  /**
   * The windowed aggregations' grace: an admitted record's window ends after its timestamp, which
   * is at most the retention before the clock, while stream time is at most the ahead limit after.
   */
  public static Duration grace(Duration retention) {
    return retention.plus(AHEAD_LIMIT).plus(SLACK);
  }

  /** How long rollup buckets are kept, by the wall clock: as long as a window can still change. */
  static Duration rollupRetention(Duration retention) {
    return retention.plus(SLACK);
  }
}
