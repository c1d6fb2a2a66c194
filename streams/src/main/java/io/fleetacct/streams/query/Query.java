package io.fleetacct.streams.query;

import io.fleetacct.streams.topology.Tables;
import java.time.Instant;
import java.util.Optional;

/**
 * A query of the API v1, parsed and checked ({@link Routes}): one small immutable type per kind,
 * so that a new kind of query is a new type and a handler, not new optional fields.
 */
sealed interface Query extends Route permits Query.Totals, Query.Series, Query.Top, Query.Agents {

  /** All-time totals of one key: {@code /v1/hosts/H/totals}, {@code /v1/cgroups/totals?path=C} ... */
  record Totals(Tables table, String key, Object keyJson) implements Query {}

  /** One key's windows that start in [from, to]: {@code .../series?from=&to=}. */
  record Series(Tables table, String key, Object keyJson, Instant from, Instant to) implements Query {}

  /**
   * The {@code limit} keys of a dimension with the largest {@code by}, all-time or summed over the
   * windows that start in [from, to).
   */
  record Top(Dimension dimension, Measure by, int limit, Optional<TimeRange> range) implements Query {}

  /** Every agent's last heartbeat, with the sequence gaps counted for it. */
  record Agents() implements Query {}

  /** [from, to), from before to. */
  record TimeRange(Instant from, Instant to) {}
}
