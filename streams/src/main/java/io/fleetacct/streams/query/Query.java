package io.fleetacct.streams.query;

import io.fleetacct.streams.topology.DelaySketches;
import io.fleetacct.streams.topology.Tables;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A query of the API v1, parsed and checked ({@link Routes}): one small immutable type per kind,
 * so that a new kind of query is a new type and a handler, not new optional fields.
 */
sealed interface Query extends Route permits Query.Totals, Query.Series, Query.Top, Query.Quantiles,
    Query.Agents {

  /** All-time totals of one key: {@code /v1/hosts/H/totals}, {@code /v1/cgroups/totals?path=C} ... */
  record Totals(Tables table, String key, Object keyJson) implements Query {}

  /** One key's windows that start in [from, to]: {@code .../series?from=&to=}. */
  record Series(Tables table, String key, Object keyJson, Instant from, Instant to) implements Query {}

  /**
   * The {@code limit} keys of a dimension with the largest {@code by}, all-time or summed over the
   * windows that start in [from, to).
   */
  record Top(Dimension dimension, Measure by, int limit, Optional<TimeRange> range) implements Query {}

  /**
   * Quantiles of one delay observation over one key's exits, all-time or in the windows that start
   * in [from, to), and optionally how many exceeded {@code aboveNanos}: {@code .../quantiles}.
   */
  record Quantiles(Tables table, String key, Object keyJson, DelaySketches.Observation of, List<Double> q,
                   OptionalLong aboveNanos, Optional<TimeRange> range) implements Query {}

  /** Every agent's last heartbeat, with the sequence gaps counted for it. */
  record Agents() implements Query {}

  /** [from, to), from before to. */
  record TimeRange(Instant from, Instant to) {}
}
