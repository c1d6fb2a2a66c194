package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetacct.streams.topology.Aggregate;
import io.fleetacct.streams.topology.DelaySketches;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.TableKey;
import io.fleetacct.streams.topology.Totals;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
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
    if (scope.isEmpty()) {
      Optional<Query.Totals> known = keyOf(query);
      if (known.isPresent()) { // 404 for a key never counted, as its totals; not described: only its existence counts
        answer(totalsPlan(known.get(), answer -> { }), scope, totalsUri(known.get()));
      }
    }
    return answer(plan(query), scope, uri);
  }

  /** The key whose all-time totals must exist for the query to have an answer: one rule for every endpoint. */
  private static Optional<Query.Totals> keyOf(Query query) {
    if (query instanceof Query.Series q) {
      return Optional.of(new Query.Totals(q.table(), q.key(), q.keyJson()));
    }
    if (query instanceof Query.Top q) {
      return q.dimension().fixedKey();
    }
    if (query instanceof Query.Quantiles q) {
      return Optional.of(new Query.Totals(q.table(), q.key(), q.keyJson()));
    }
    return Optional.empty();
  }

  /** Where a peer answers these totals. */
  private static URI totalsUri(Query.Totals q) {
    return URI.create(switch (q.table()) {
      case BY_HOST -> "/v1/hosts/" + encode(q.key()) + "/totals";
      case BY_CGROUP -> "/v1/cgroups/totals?path=" + encode(q.key());
      case BY_PROGRAM -> "/v1/commands/" + encode(q.key()) + "/totals";
      case BY_HOST_CGROUP -> {
        TableKey k = TableKey.parse(q.key());
        yield "/v1/hosts/" + encode(k.first()) + "/cgroups/totals?path=" + encode(k.second());
      }
      default -> throw new IllegalArgumentException("no totals endpoint checks keys of " + q.table());
    });
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /**
   * How one kind of query is answered: which store partitions it reads, what this instance makes
   * of its own, how a part travels between instances, and how the parts make the answer. Parts
   * never overlap ({@link Fanout}).
   */
  private interface Plan<P> {
    Set<String> stores();

    List<Placement.Partition> partitions() throws Unavailable;

    P here(Scope scope) throws Unavailable;

    JsonNode encode(P part);

    P decode(JsonNode json);

    JsonNode merge(List<P> parts);
  }

  /** The one place that tells the kinds of query apart (Java 17: no pattern switch yet). */
  private Plan<?> plan(Query query) {
    if (query instanceof Query.Totals q) {
      return totalsPlan(q, answer -> completeness().describeAllTime(answer));
    }
    if (query instanceof Query.Series q) {
      return new KeyPlan(q.table().windowsStore(), q.key(), s -> series(q, s),
          answer -> completeness().describe(answer, q.to().plus(local.window())));
    }
    if (query instanceof Query.Top q) {
      return new TopPlan(q);
    }
    if (query instanceof Query.Quantiles q) {
      return new KeyPlan(LocalStores.store(q), q.key(), s -> quantiles(q, s), answer -> q.range().ifPresentOrElse(
          r -> completeness().describe(answer, r.to()), () -> completeness().describeAllTime(answer)));
    }
    return new AgentsPlan();
  }

  private KeyPlan totalsPlan(Query.Totals q, Consumer<ObjectNode> describe) {
    return new KeyPlan(q.table().totalsStore(), q.key(), s -> totals(q, s), describe);
  }

  /** A plan whose parts are JSON already, and travel as they are. */
  private abstract static class JsonPlan implements Plan<JsonNode> {
    @Override
    public JsonNode encode(JsonNode part) {
      return part;
    }

    @Override
    public JsonNode decode(JsonNode json) {
      return json;
    }
  }

  private <P> JsonNode answer(Plan<P> plan, Optional<Scope> scope, URI uri) throws Unavailable, BadRequest {
    if (scope.isPresent()) {
      if (!scope.get().partitions().keySet().equals(plan.stores())) {
        throw BadRequest.badParameter(Scope.PARAMETER + " names " + scope.get().partitions().keySet()
            + "; this query reads " + plan.stores());
      }
      return plan.encode(plan.here(scope.get()));
    }
    return plan.merge(fanout.read(plan.partitions(),
        (host, s) -> host.equals(self) ? plan.here(s) : plan.decode(peers.get(host, uri, s))));
  }

  /** How complete the tables are now, from every agent's last heartbeat (unknown if they cannot be read). */
  private Completeness completeness() {
    try {
      return new Completeness(answer(new AgentsPlan(), Optional.empty(), AGENTS), clock.instant(), retention);
    } catch (Unavailable | BadRequest e) {
      return Completeness.unknown("the agents' heartbeats cannot be read now: " + e.getMessage());
    }
  }

  private static final URI AGENTS = URI.create("/v1/agents");

  @FunctionalInterface
  private interface LocalAnswer {
    ObjectNode from(Scope scope) throws Unavailable;
  }

  /** One key of one store: its partition, from the owner or a standby; the answer as it is, described. */
  private final class KeyPlan extends JsonPlan {
    private final String store;
    private final String key;
    private final LocalAnswer here;
    private final Consumer<ObjectNode> describe;

    KeyPlan(String store, String key, LocalAnswer here, Consumer<ObjectNode> describe) {
      this.store = store;
      this.key = key;
      this.here = here;
      this.describe = describe;
    }

    @Override
    public Set<String> stores() {
      return Set.of(store);
    }

    @Override
    public List<Placement.Partition> partitions() throws Unavailable {
      return List.of(placement.ofKey(store, key));
    }

    @Override
    public JsonNode here(Scope scope) throws Unavailable {
      return here.from(scope);
    }

    @Override
    public JsonNode merge(List<JsonNode> parts) {
      ObjectNode answer = (ObjectNode) parts.get(0);
      describe.accept(answer);
      return answer;
    }
  }

  private ObjectNode totals(Query.Totals q, Scope s) throws Unavailable {
    return Json.totals(q.keyJson(), local.totals(q, only(s, q.table().totalsStore())).toRecord());
  }

  private ObjectNode series(Query.Series q, Scope s) throws Unavailable {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.set("key", Json.MAPPER.valueToTree(q.keyJson()));
    ArrayNode windows = body.putArray("windows");
    for (KeyValue<Instant, Aggregate> w : local.series(q, only(s, q.table().windowsStore()))) {
      windows.add(Json.window(w.key, w.key.plus(local.window()), w.value.toRecord()));
    }
    return body;
  }

  private ObjectNode quantiles(Query.Quantiles q, Scope s) throws Unavailable {
    Aggregate a = local.aggregate(q, only(s, LocalStores.store(q)));
    DelaySketches d = DelaySketches.decode(a.sketchBytes(), q.of());
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.set("key", Json.MAPPER.valueToTree(q.keyJson()));
    body.put("of", q.of().name());
    body.put("exits", a.totals()[Totals.position("exits")]);
    body.put("count", d.count(q.of()));
    ObjectNode quantiles = body.putObject("quantiles");
    for (double x : q.q()) {
      Json.putQuantile(quantiles, BigDecimal.valueOf(x).stripTrailingZeros().toPlainString(), d.quantile(q.of(), x));
    }
    q.aboveNanos().ifPresent(t -> body.putObject("above").put("threshold_ns", t).put("count", d.countAbove(q.of(), t)));
    q.range().ifPresent(r -> body.put("from", r.from().toString()).put("to", r.to().toString()));
    return body;
  }

  private static int only(Scope s, String store) throws Unavailable {
    Set<Integer> ps = s.of(store);
    if (ps.size() != 1) {
      throw new Unavailable("a key query names one partition of " + store + ", not " + ps);
    }
    return ps.iterator().next();
  }

  /** A ranking: every partition's best rows, the best of them. */
  private final class TopPlan implements Plan<List<Ranking.Row>> {
    private final Query.Top q;
    private final String store;

    TopPlan(Query.Top q) {
      this.q = q;
      this.store = LocalStores.store(q);
    }

    @Override
    public Set<String> stores() {
      return Set.of(store);
    }

    @Override
    public List<Placement.Partition> partitions() throws Unavailable {
      return placement.all(store);
    }

    @Override
    public List<Ranking.Row> here(Scope scope) throws Unavailable {
      return local.top(q, scope.of(store));
    }

    @Override
    public JsonNode encode(List<Ranking.Row> part) {
      return Ranking.encode(part);
    }

    @Override
    public List<Ranking.Row> decode(JsonNode json) {
      return Ranking.decode(json);
    }

    @Override
    public JsonNode merge(List<List<Ranking.Row>> parts) {
      List<Ranking.Row> rows = new ArrayList<>();
      parts.forEach(rows::addAll);
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
  }

  /** Every agent's last heartbeat, with the sequence gaps counted for its instances. */
  private final class AgentsPlan extends JsonPlan {

    @Override
    public Set<String> stores() {
      return Set.of(FleetacctTopology.AGENT_STATUS_STORE, FleetacctTopology.INSTANCE_PROGRESS_STORE);
    }

    @Override
    public List<Placement.Partition> partitions() throws Unavailable {
      List<Placement.Partition> parts = new ArrayList<>(placement.all(FleetacctTopology.AGENT_STATUS_STORE));
      parts.addAll(placement.all(FleetacctTopology.INSTANCE_PROGRESS_STORE));
      return parts;
    }

    @Override
    public JsonNode here(Scope scope) throws Unavailable {
      ObjectNode mine = Json.MAPPER.createObjectNode();
      local.agents(scope, mine.putArray("statuses"), mine.putArray("progress"));
      return mine;
    }

    @Override
    public JsonNode merge(List<JsonNode> parts) {
      List<JsonNode> statuses = new ArrayList<>();
      Map<String, List<JsonNode>> progressByHost = new HashMap<>();
      for (JsonNode part : parts) {
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
  }
}
