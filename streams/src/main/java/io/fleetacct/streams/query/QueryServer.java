package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.Totals;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API v1 over HTTP (README, "The streams application and the query API"). Any instance answers any key: it asks Kafka
 * Streams which instance owns the key and forwards there (with {@code local=true}, so the owner
 * answers from its own stores), falling back to a standby replica when the owner does not
 * answer. {@code top} and {@code agents} ask every instance for its share and merge.
 */
public final class QueryServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(QueryServer.class);
  private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private volatile KafkaStreams streams;
  private volatile HostInfo self;
  private volatile PrometheusRegistry registry;

  /** The web console's files, read once: they are part of the build. */
  private static final Map<String, byte[]> CONSOLE = loadConsole();

  static {
    // The JDK server writes headers and body apart; with Nagle's algorithm on, the client's delayed
    // ACK holds the body back ~40 ms on every response. Read once, before the first server starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private QueryServer(HttpServer server) {
    this.server = server;
  }

  /** Binds the address now (port 0: any free port), so the advertised URL can name the port. */
  public static QueryServer bind(String host, int port) throws IOException {
    HttpServer s;
    try {
      s = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (java.net.BindException e) {
      throw new IOException("cannot serve the query API on " + host + ":" + port + ": " + e.getMessage()
          + " (is the port in use? choose another with --http-port)", e);
    }
    return new QueryServer(s);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Starts answering, for {@code streams} whose application.server is {@code self}. */
  public void start(KafkaStreams streams, HostInfo self, PrometheusRegistry registry) {
    this.streams = streams;
    this.self = self;
    this.registry = registry;
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "query-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      if (!ex.getRequestMethod().equals("GET")) {
        respond(ex, 405, Json.error("only GET"));
        return;
      }
      Request r = Request.parse(ex.getRequestURI());
      switch (r.kind()) {
        case HEALTH -> health(ex);
        case METRICS -> metrics(ex);
        case TOTALS, SERIES -> respond(ex, 200, keyed(r, ex.getRequestURI()));
        case TOP -> respond(ex, 200, top(r, ex.getRequestURI()));
        case AGENTS -> respond(ex, 200, agents(r, ex.getRequestURI()));
        case CONSOLE -> console(ex, r.key());
      }
    } catch (BadRequest e) {
      respond(ex, e.status, Json.error(e.getMessage()));
    } catch (Unavailable e) {
      respond(ex, 503, Json.error(e.getMessage()));
    } catch (ForwardedAnswer e) {
      respond(ex, e.status, e.body);
    } catch (RuntimeException e) {
      log.error("query {} failed", ex.getRequestURI(), e);
      respond(ex, 500, Json.error("internal error: " + e));
    } finally {
      ex.close();
    }
  }

  /** The stores cannot answer now (rebalancing, owner and standbys down): 503, try again. */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  private void health(HttpExchange ex) throws IOException {
    KafkaStreams.State state = streams.state();
    boolean ok = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
    respond(ex, ok ? 200 : 503, Json.MAPPER.createObjectNode().put("state", state.name()));
  }

  /** A file of the web console (resources under io/fleetacct/streams/console), which reads only /v1. */
  private void console(HttpExchange ex, String name) throws IOException {
    byte[] body = CONSOLE.get(name);
    String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
    ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static Map<String, byte[]> loadConsole() {
    Map<String, byte[]> files = new HashMap<>();
    for (String name : Request.CONSOLE_FILES) {
      try (InputStream in = QueryServer.class.getResourceAsStream("/io/fleetacct/streams/console/" + name)) {
        if (in == null) {
          throw new IllegalStateException("web console file missing from the build: " + name);
        }
        files.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Map.copyOf(files);
  }

  private void metrics(HttpExchange ex) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
    PrometheusTextFormatWriter.create().write(body, registry.scrape(), EscapingScheme.DEFAULT);
    ex.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
    byte[] b = body.toByteArray();
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  /** Totals or series of one key: here if this instance holds it, else from the owner or a standby. */
  private JsonNode keyed(Request r, URI uri) throws BadRequest, Unavailable {
    String store = r.kind() == Request.Kind.TOTALS ? r.table().totalsStore() : r.table().windowsStore();
    if (r.local()) {
      return local(r, store);
    }
    KeyQueryMetadata md = streams.queryMetadataForKey(store, r.key(), Serdes.String().serializer());
    if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new Unavailable("the stores are not ready yet (starting or rebalancing)");
    }
    List<HostInfo> candidates = new ArrayList<>();
    candidates.add(md.activeHost());
    candidates.addAll(md.standbyHosts());
    Unavailable last = null;
    for (HostInfo h : candidates) {
      try {
        return h.equals(self) ? local(r, store) : forward(h, uri);
      } catch (Unavailable e) {
        last = e;
      }
    }
    throw last != null ? last : new Unavailable("no instance holds " + store);
  }

  private JsonNode local(Request r, String store) throws BadRequest, Unavailable {
    try {
      if (r.kind() == Request.Kind.TOTALS) {
        ReadOnlyKeyValueStore<String, long[]> kv = streams.store(StoreQueryParameters
            .fromNameAndType(store, QueryableStoreTypes.<String, long[]>keyValueStore()).enableStaleStores());
        long[] t = kv.get(r.key());
        if (t == null) {
          throw BadRequest.notFound("no exits counted for " + describe(r));
        }
        return Json.totals(r.keyJson(), Totals.toRecord(t));
      }
      ReadOnlyWindowStore<String, long[]> ws = streams.store(StoreQueryParameters
          .fromNameAndType(store, QueryableStoreTypes.<String, long[]>windowStore()).enableStaleStores());
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.set("key", Json.MAPPER.valueToTree(r.keyJson()));
      ArrayNode windows = body.putArray("windows");
      try (WindowStoreIterator<long[]> it = ws.fetch(r.key(), r.from(), r.to())) {
        while (it.hasNext()) {
          KeyValue<Long, long[]> w = it.next();
          Instant start = Instant.ofEpochMilli(w.key);
          windows.add(Json.window(start, start.plus(windowSize), Totals.toRecord(w.value)));
        }
      }
      return body;
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("store " + store + " is not queryable here now: " + e.getMessage());
    }
  }

  private volatile Duration windowSize = Duration.ofMinutes(1);

  /** Tells the server the topology's window size, for the end of each window in series answers. */
  public void windowSize(Duration size) {
    this.windowSize = size;
  }

  private static String describe(Request r) {
    return switch (r.table()) {
      case BY_HOST -> "host " + r.keyJson();
      case BY_CGROUP -> "cgroup " + r.keyJson();
      case BY_HOST_CGROUP -> "cgroup on host " + r.keyJson();
      case BY_COMMAND -> "command " + r.keyJson();
    };
  }

  /** The top keys: each instance's active stores, merged. */
  private JsonNode top(Request r, URI uri) throws Unavailable {
    List<ObjectNode> all = new ArrayList<>();
    if (r.local()) {
      all.addAll(localTop(r));
    } else {
      for (HostInfo h : instances()) {
        JsonNode part = h.equals(self) ? Json.MAPPER.valueToTree(localTop(r)) : forward(h, uri);
        part.forEach(n -> all.add((ObjectNode) n));
      }
    }
    all.sort(Comparator.comparingLong((ObjectNode n) -> n.get(r.by()).asLong()).reversed()
        .thenComparing(n -> n.get("key").toString()));
    ArrayNode out = Json.MAPPER.createArrayNode();
    all.stream().limit(r.limit()).forEach(out::add);
    return out;
  }

  private List<ObjectNode> localTop(Request r) throws Unavailable {
    try {
      // Active stores only: a standby's copy belongs to another instance's answer.
      ReadOnlyKeyValueStore<String, long[]> kv = streams.store(StoreQueryParameters
          .fromNameAndType(r.table().totalsStore(), QueryableStoreTypes.<String, long[]>keyValueStore()));
      List<KeyValue<String, long[]>> rows = new ArrayList<>();
      try (KeyValueIterator<String, long[]> it = kv.all()) {
        it.forEachRemaining(rows::add);
      }
      rows.sort(Comparator.comparingLong((KeyValue<String, long[]> kvp) -> Totals.get(kvp.value, r.by())).reversed());
      List<ObjectNode> out = new ArrayList<>();
      rows.stream().limit(r.limit()).forEach(kvp -> out.add(Json.totals(kvp.key, Totals.toRecord(kvp.value))));
      return out;
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("store " + r.table().totalsStore() + " is not queryable here now: " + e.getMessage());
    }
  }

  /** Every agent's last heartbeat, with the sequence gaps counted for its instances. */
  private JsonNode agents(Request r, URI uri) throws Unavailable {
    ObjectNode merged = Json.MAPPER.createObjectNode();
    ArrayNode statuses = merged.putArray("statuses");
    ArrayNode progress = merged.putArray("progress");
    if (r.local()) {
      localAgents(statuses, progress);
      return merged;
    }
    for (HostInfo h : instances()) {
      JsonNode part;
      if (h.equals(self)) {
        ObjectNode mine = Json.MAPPER.createObjectNode();
        localAgents(mine.putArray("statuses"), mine.putArray("progress"));
        part = mine;
      } else {
        part = forward(h, uri);
      }
      part.get("statuses").forEach(statuses::add);
      part.get("progress").forEach(progress::add);
    }
    Map<String, List<JsonNode>> byHost = new HashMap<>();
    for (JsonNode p : progress) {
      byHost.computeIfAbsent(p.get("host").asText(), k -> new ArrayList<>()).add(p);
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode s : statuses) {
      out.add(Json.agent((ObjectNode) s, byHost.getOrDefault(s.get("host").asText(), List.of())));
    }
    return out;
  }

  private void localAgents(ArrayNode statuses, ArrayNode progress) throws Unavailable {
    try {
      ReadOnlyKeyValueStore<String, AgentStatus> st = streams.store(StoreQueryParameters.fromNameAndType(
          FleetacctTopology.AGENT_STATUS_STORE, QueryableStoreTypes.<String, AgentStatus>keyValueStore()));
      try (KeyValueIterator<String, AgentStatus> it = st.all()) {
        it.forEachRemaining(kv -> statuses.add(Json.record(kv.value)));
      }
      ReadOnlyKeyValueStore<String, InstanceProgress> pr = streams.store(StoreQueryParameters.fromNameAndType(
          FleetacctTopology.INSTANCE_PROGRESS_STORE, QueryableStoreTypes.<String, InstanceProgress>keyValueStore()));
      try (KeyValueIterator<String, InstanceProgress> it = pr.all()) {
        it.forEachRemaining(kv -> progress.add(Json.record(kv.value)));
      }
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("agent stores are not queryable here now: " + e.getMessage());
    }
  }

  private List<HostInfo> instances() throws Unavailable {
    List<HostInfo> hosts = new ArrayList<>();
    for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
      hosts.add(m.hostInfo());
    }
    if (hosts.isEmpty()) {
      throw new Unavailable("no instance metadata yet (starting or rebalancing)");
    }
    return hosts;
  }

  private JsonNode forward(HostInfo h, URI uri) throws Unavailable {
    String q = uri.getRawQuery() == null ? "local=true" : uri.getRawQuery() + "&local=true";
    URI target = URI.create("http://" + h.host() + ":" + h.port() + uri.getRawPath() + "?" + q);
    try {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(target).timeout(FORWARD_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode body = Json.MAPPER.readTree(resp.body());
      if (resp.statusCode() == 200) {
        return body;
      }
      if (resp.statusCode() == 404 || resp.statusCode() == 400) {
        throw new ForwardedAnswer(resp.statusCode(), body);
      }
      throw new Unavailable("instance " + h + " answered " + resp.statusCode() + ": " + body.path("error").asText());
    } catch (IOException e) {
      throw new Unavailable("instance " + h + " does not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    }
  }

  /** The owner's own 404 or 400, passed on as it is. */
  static final class ForwardedAnswer extends RuntimeException {
    final int status;
    final JsonNode body;

    ForwardedAnswer(int status, JsonNode body) {
      super(null, null, false, false);
      this.status = status;
      this.body = body;
    }
  }

  private static void respond(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = Json.MAPPER.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
