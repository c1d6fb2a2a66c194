package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.streams.topology.Aggregate;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.TableKey;
import io.fleetacct.streams.topology.Rollups;
import io.fleetacct.streams.topology.Tables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Reads this instance's own store partitions, active or standby, one named partition at a time; a
 * partition that is not here or is being restored is {@link Unavailable}, so the caller asks the
 * next instance that holds it.
 */
final class LocalStores {

  /** Where this instance's store partitions come from: {@code KafkaStreams::store}, or a test's fake. */
  @FunctionalInterface
  interface StoreSource {
    <T> T store(StoreQueryParameters<T> parameters);
  }

  private final StoreSource streams;
  private final StoreReadiness readiness;
  private final Duration window;

  LocalStores(StoreSource streams, StoreReadiness readiness, Duration window) {
    this.streams = streams;
    this.readiness = readiness;
    this.window = window;
  }

  Duration window() {
    return window;
  }

  /** One key's all-time totals; a 404 answer when none were counted. */
  Aggregate totals(Query.Totals q, int partition) throws Unavailable {
    Aggregate t = read(q.table().totalsStore(), partition, QueryableStoreTypes.<String, Aggregate>keyValueStore(),
        kv -> kv.get(q.key()));
    if (t == null) {
      throw ErrorAnswer.notFound("no exits counted for " + describe(q.table(), q.keyJson()));
    }
    return t;
  }

  /** The store a key's distributions are read from: its table's rollups for a range, its all-time totals otherwise. */
  static String store(Query.Quantiles q) {
    return q.range().isPresent() ? Rollups.Index.keyedBy(q.table()).store() : q.table().totalsStore();
  }

  /** One key's aggregate over the query's range (all-time without one); empty where it counted nothing. */
  Aggregate aggregate(Query.Quantiles q, int partition) throws Unavailable {
    return read(store(q), partition, QueryableStoreTypes.<String, Aggregate>keyValueStore(), kv -> {
      if (q.range().isPresent()) {
        return Rollups.sum(kv, Rollups.tile(q.range().get().from(), q.range().get().to(), window), q.key());
      }
      Aggregate a = kv.get(q.key());
      return a == null ? Aggregate.empty() : a;
    });
  }

  /** One key's windows that start in [from, to] and count something, oldest first. */
  List<KeyValue<Instant, Aggregate>> series(Query.Series q, int partition) throws Unavailable {
    return read(q.table().windowsStore(), partition, QueryableStoreTypes.<String, Aggregate>windowStore(),
        (ReadOnlyWindowStore<String, Aggregate> ws) -> {
          List<KeyValue<Instant, Aggregate>> out = new ArrayList<>();
          try (WindowStoreIterator<Aggregate> it = ws.fetch(q.key(), q.from(), q.to())) {
            it.forEachRemaining(w -> {
              if (!w.value.isEmpty()) {
                out.add(KeyValue.pair(Instant.ofEpochMilli(w.key), w.value));
              }
            });
          }
          return out;
        });
  }

  /** The store a ranking reads: the rollups for a range, the all-time totals otherwise. */
  static String store(Query.Top q) {
    return q.range().isPresent() ? q.dimension().index().store() : q.dimension().table().totalsStore();
  }

  /** The best {@code q.limit()} rows of these partitions. */
  List<Ranking.Row> top(Query.Top q, Set<Integer> partitions) throws Unavailable {
    Map<String, Aggregate> sums = new HashMap<>();
    Dimension d = q.dimension();
    for (int p : partitions) {
      read(store(q), p, QueryableStoreTypes.<String, Aggregate>keyValueStore(), kv -> {
        if (q.range().isPresent()) {
          Rollups.sum(kv, Rollups.tile(q.range().get().from(), q.range().get().to(), window), d.prefix(), sums,
              q.by().merge());
        } else {
          try (KeyValueIterator<String, Aggregate> it = TableKey.scan(kv, d.totalsPrefix())) {
            it.forEachRemaining(e -> {
              String key = d.rankedTotalsKey(e.key);
              if (key != null) {
                sums.put(key, e.value);
              }
            });
          }
        }
        return null;
      });
    }
    List<Ranking.Row> rows = new ArrayList<>(sums.size());
    sums.forEach((k, a) -> rows.add(Ranking.Row.of(k, a, q.by())));
    return Ranking.best(rows, q.by(), q.limit());
  }

  /** The agent heartbeats and the sequence progress of these partitions, as JSON records. */
  void agents(Scope scope, ArrayNode statuses, ArrayNode progress) throws Unavailable {
    for (int p : scope.of(FleetacctTopology.AGENT_STATUS_STORE)) {
      read(FleetacctTopology.AGENT_STATUS_STORE, p, QueryableStoreTypes.<String, AgentStatus>keyValueStore(), kv -> {
        try (KeyValueIterator<String, AgentStatus> it = kv.all()) {
          it.forEachRemaining(e -> statuses.add(Json.record(e.value)));
        }
        return null;
      });
    }
    for (int p : scope.of(FleetacctTopology.INSTANCE_PROGRESS_STORE)) {
      read(FleetacctTopology.INSTANCE_PROGRESS_STORE, p,
          QueryableStoreTypes.<String, InstanceProgress>keyValueStore(), kv -> {
            try (KeyValueIterator<String, InstanceProgress> it = kv.all()) {
              it.forEachRemaining(e -> progress.add(Json.record(e.value)));
            }
            return null;
          });
    }
  }

  @FunctionalInterface
  private interface StoreRead<S, R> {
    R apply(S store);
  }

  /**
   * Reads partition {@code partition} of store {@code name} here: from its active task if that
   * runs here, else from a standby here that has caught up ({@link StoreReadiness}); anything else
   * (restoring, starting, a standby still loading, migrated away, closed while read) is Unavailable,
   * and the query asks the next instance.
   */
  private <S, R> R read(String name, int partition, QueryableStoreType<S> type, StoreRead<S, R> read)
      throws Unavailable {
    if (readiness.restoring(name, partition)) {
      throw new Unavailable("partition " + partition + " of " + name + " is being restored here");
    }
    StoreQueryParameters<S> running = StoreQueryParameters.fromNameAndType(name, type).withPartition(partition);
    try {
      return read.apply(streams.store(running));
    } catch (InvalidStateStoreException notRunningHere) {
      if (!readiness.standbyReady(name, partition)) {
        throw new Unavailable("partition " + partition + " of " + name + " is not queryable here now: "
            + notRunningHere.getMessage() + " (and no caught-up standby of it here)");
      }
    }
    try {
      return read.apply(streams.store(running.enableStaleStores()));
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("partition " + partition + " of " + name + " is not queryable here now: "
          + e.getMessage());
    }
  }

  private static String describe(Tables table, Object keyJson) {
    return switch (table) {
      case BY_HOST -> "host " + keyJson;
      case BY_CGROUP -> "cgroup " + keyJson;
      case BY_HOST_CGROUP -> "cgroup on host " + keyJson;
      case BY_PROGRAM -> "command " + keyJson;
      case BY_PROGRAM_THREAD -> "threads of command " + keyJson;
    };
  }
}
