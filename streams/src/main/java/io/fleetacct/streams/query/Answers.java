package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.Totals;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Answers a {@link Query} from wherever its data is: the partitions that hold it ({@link
 * Placement}), read here ({@link LocalStores}) or on a peer ({@link Peers}), each from its owner
 * or else a standby ({@link Fanout}), merged. A request with a {@link Scope} comes from a peer and
 * is answered from this instance's stores only.
 */
final class Answers {

  private final LocalStores local;
  private final Placement placement;
  private final Fanout fanout;
  private final Peers peers;
  private final HostInfo self;
  private final Duration retention;
  private final Clock clock;

  Answers(LocalStores local, Placement placement, Fanout fanout, Peers peers, HostInfo self, Duration retention,
          Clock clock) {
    this.local = local;
    this.placement = placement;
    this.fanout = fanout;
    this.peers = peers;
    this.self = self;
    this.retention = retention;
    this.clock = clock;
  }

  JsonNode answer(Query query, Optional<Scope> scope, URI uri) throws Unavailable, BadRequest {
    if (scope.isPresent() && !scope.get().partitions().keySet().equals(stores(query))) {
      throw BadRequest.badParameter(Scope.PARAMETER + " names " + scope.get().partitions().keySet()
          + "; this query reads " + stores(query));
    }
    if (query instanceof Query.Totals q) {
      JsonNode totals = keyed(q.table().totalsStore(), q.key(), scope, uri, s -> totals(q, s));
      if (scope.isEmpty()) {
        completeness().describeAllTime((ObjectNode) totals);
      }
      return totals;
    }
    if (query instanceof Query.Series q) {
      JsonNode series = keyed(q.table().windowsStore(), q.key(), scope, uri, s -> series(q, s));
      if (scope.isEmpty()) {
        completeness().describe((ObjectNode) series, q.to().plus(local.window()));
      }
      return series;
    }
    if (query instanceof Query.Top q) {
      return top(q, scope, uri);
    }
    return agents(scope, uri);
  }

  /** How complete the tables are now, from every agent's last heartbeat (unknown if they cannot be read). */
  private Completeness completeness() {
    try {
      return new Completeness(agents(Optional.empty(), AGENTS), clock.instant(), retention);
    } catch (Unavailable e) {
      return Completeness.unknown("the agents' heartbeats cannot be read now: " + e.getMessage());
    }
  }

  private static final URI AGENTS = URI.create("/v1/agents");

  /** The stores a query reads. */
  private static Set<String> stores(Query query) {
    if (query instanceof Query.Totals q) {
      return Set.of(q.table().totalsStore());
    }
    if (query instanceof Query.Series q) {
      return Set.of(q.table().windowsStore());
    }
    if (query instanceof Query.Top q) {
      return Set.of(LocalStores.store(q));
    }
    return Set.of(FleetacctTopology.AGENT_STATUS_STORE, FleetacctTopology.INSTANCE_PROGRESS_STORE);
  }

  @FunctionalInterface
  private interface LocalAnswer {
    JsonNode from(Scope scope) throws Unavailable;
  }

  /** One key: its partition, from the owner or a standby. */
  private JsonNode keyed(String store, String key, Optional<Scope> scope, URI uri, LocalAnswer here)
      throws Unavailable {
    if (scope.isPresent()) {
      return here.from(scope.get());
    }
    return fanout.read(List.of(placement.ofKey(store, key)),
        (host, s) -> host.equals(self) ? here.from(s) : peers.get(host, uri, s)).get(0);
  }

  private JsonNode totals(Query.Totals q, Scope s) throws Unavailable {
    long[] t = local.totals(q, only(s, q.table().totalsStore()));
    return Json.totals(q.keyJson(), Totals.toRecord(t));
  }

  private JsonNode series(Query.Series q, Scope s) throws Unavailable {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.set("key", Json.MAPPER.valueToTree(q.keyJson()));
    ArrayNode windows = body.putArray("windows");
    for (KeyValue<Instant, long[]> w : local.series(q, only(s, q.table().windowsStore()))) {
      windows.add(Json.window(w.key, w.key.plus(local.window()), Totals.toRecord(w.value)));
    }
    return body;
  }

  private static int only(Scope s, String store) throws Unavailable {
    Set<Integer> ps = s.of(store);
    if (ps.size() != 1) {
      throw new Unavailable("a key query names one partition of " + store + ", not " + ps);
    }
    return ps.iterator().next();
  }

  /** A ranking: every partition's best rows, merged. */
  private JsonNode top(Query.Top q, Optional<Scope> scope, URI uri) throws Unavailable {
    String store = LocalStores.store(q);
    if (scope.isPresent()) {
      return Ranking.encode(local.top(q, scope.get().of(store)));
    }
    List<Ranking.Row> rows = new ArrayList<>();
    for (List<Ranking.Row> part : fanout.read(placement.all(store), (host, s) -> host.equals(self)
        ? local.top(q, s.of(store)) : Ranking.decode(peers.get(host, uri, s)))) {
      rows.addAll(part);
    }
    ObjectNode answer = Json.MAPPER.createObjectNode();
    Completeness c = completeness();
    if (q.range().isPresent()) {
      answer.put("from", q.range().get().from().toString()).put("to", q.range().get().to().toString());
      c.describe(answer, q.range().get().to());
    } else {
      c.describeAllTime(answer);
    }
    answer.set("rows", Ranking.render(Ranking.best(rows, q.by(), q.limit()), q.by(), q.range()));
    return answer;
  }

  /** Every agent's last heartbeat, with the sequence gaps counted for its instances. */
  private JsonNode agents(Optional<Scope> scope, URI uri) throws Unavailable {
    if (scope.isPresent()) {
      return localAgents(scope.get());
    }
    List<Placement.Partition> parts = new ArrayList<>(placement.all(FleetacctTopology.AGENT_STATUS_STORE));
    parts.addAll(placement.all(FleetacctTopology.INSTANCE_PROGRESS_STORE));
    List<JsonNode> statuses = new ArrayList<>();
    Map<String, List<JsonNode>> progressByHost = new HashMap<>();
    for (JsonNode part : fanout.read(parts, (host, s) -> host.equals(self) ? localAgents(s) : peers.get(host, uri, s))) {
      part.get("statuses").forEach(statuses::add);
      for (JsonNode p : part.get("progress")) {
        progressByHost.computeIfAbsent(p.get("host").asText(), k -> new ArrayList<>()).add(p);
      }
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode s : statuses) {
      out.add(Json.agent((ObjectNode) s, progressByHost.getOrDefault(s.get("host").asText(), List.of())));
    }
    return out;
  }

  private JsonNode localAgents(Scope s) throws Unavailable {
    ObjectNode mine = Json.MAPPER.createObjectNode();
    local.agents(s, mine.putArray("statuses"), mine.putArray("progress"));
    return mine;
  }
}
