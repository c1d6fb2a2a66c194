package io.fleetacct.streams.query;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Times and ranges as people write them in {@code from}, {@code to} and {@code last}: an ISO-8601
 * instant ({@code 2026-12-04T10:00:00Z}), one with an offset ({@code +01:00}), a date and time
 * without one or a date alone (UTC; a date is its midnight), {@code now}, or a time back from now
 * ({@code -90s}, {@code -15m}, {@code -1h30m}, {@code -2d}); {@code last=1h} is the hour up to now.
 */
final class Times {

  /** A duration as {@code 1h30m}: one or more of a whole number and s, m, h or d. */
  private static final Pattern DURATION = Pattern.compile("(?:\\d{1,6}[smhd])+");
  private static final Pattern PART = Pattern.compile("(\\d+)([smhd])");

  private Times() {}

  /** The range of {@code from} and {@code to}, or of {@code last}; empty when none is given. */
  static Optional<Query.TimeRange> range(Map<String, String> q, Clock clock) throws BadRequest {
    boolean from = q.containsKey("from");
    boolean to = q.containsKey("to");
    if (q.containsKey("last")) {
      if (from || to) {
        throw BadRequest.badParameter("last= is a range of its own: give it without from and to");
      }
      Instant now = clock.instant();
      return Optional.of(new Query.TimeRange(now.minus(duration(q.get("last"), "last")), now));
    }
    if (!from && !to) {
      return Optional.empty();
    }
    if (!from || !to) {
      throw BadRequest.badParameter("from and to go together (or last=, such as last=1h)");
    }
    return Optional.of(new Query.TimeRange(instant(q.get("from"), "from", clock), instant(q.get("to"), "to", clock)));
  }

  /** One time, as the class comment lists them. */
  static Instant instant(String v, String name, Clock clock) throws BadRequest {
    String s = v.trim();
    if (s.equals("now")) {
      return clock.instant();
    }
    if (s.startsWith("-") && DURATION.matcher(s.substring(1)).matches()) {
      return clock.instant().minus(duration(s.substring(1), name));
    }
    try {
      return OffsetDateTime.parse(s).toInstant(); // Z or an offset
    } catch (DateTimeParseException notWithOffset) {
      // below
    }
    try {
      return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException notLocal) {
      // below
    }
    try {
      return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException notADate) {
      // below
    }
    String hint = v.matches(".*T[0-9:.]+ [0-9]{2}:?[0-9]{2}$")
        ? " (a '+' in a URL's query is a space: write the offset as %2B01:00, or use Z)" : "";
    throw BadRequest.badParameter(name + "=" + v + " is not a time: give an ISO-8601 time such as 2026-12-04T10:00:00Z, one with an offset such as"
        + " 2026-12-04T11:00:00%2B01:00, a date (2026-12-04, UTC), now, or a time back from now such as -1h" + hint);
  }

  /** {@code 90s}, {@code 15m}, {@code 1h30m}, {@code 2d}: more than zero. */
  static Duration duration(String v, String name) throws BadRequest {
    if (!DURATION.matcher(v).matches()) {
      throw BadRequest.badParameter(name + "=" + v + " is not a duration such as 90s, 15m, 1h30m or 2d");
    }
    Duration d = Duration.ZERO;
    Matcher m = PART.matcher(v);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
    }
    if (d.isZero()) {
      throw BadRequest.badParameter(name + "=" + v + " is no time at all");
    }
    return d;
  }
}
