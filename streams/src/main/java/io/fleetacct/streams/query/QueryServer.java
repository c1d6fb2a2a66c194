package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fleetacct.common.http.HttpEndpoint;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API v1 over HTTP (README, "The streams application and the query API"), with
 * {@code /healthz}, {@code /metrics} and the web console on the same port. Routes each request
 * ({@link Routes}) and has it answered ({@link Answers}): any instance answers any query.
 */
public final class QueryServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(QueryServer.class);

  private final HttpServer server;
  private final ExecutorService executor = HttpEndpoint.threads(8, "query-http");
  // Fan-outs wait for peers on their own threads: a request thread waiting for a peer that waits
  // for it could otherwise exhaust the request threads of both.
  private final ExecutorService fanoutThreads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "query-fanout");
    t.setDaemon(true);
    return t;
  });
  private volatile KafkaStreams streams;
  private volatile PrometheusRegistry registry;
  private volatile Routes routes;
  private volatile Answers answers;

  private QueryServer(HttpServer server) {
    this.server = server;
  }

  /** Binds the address now (port 0: any free port), so the advertised URL can name the port. */
  public static QueryServer bind(String host, int port) throws IOException {
    HttpServer s = HttpEndpoint.bind(host, port, 64, "the query API", "--http-port");
    return new QueryServer(s);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Starts answering, for {@code streams} (running {@code topology}) whose application.server is
   * {@code self}; {@code readiness} must be its global restore listener and standby update listener.
   */
  public void start(KafkaStreams streams, FleetacctTopology.Config topology, StoreReadiness readiness, HostInfo self,
                    PrometheusRegistry registry) {
    this.streams = streams;
    this.registry = registry;
    this.routes = new Routes(topology.retention(), Clock.systemUTC());
    this.answers = new Answers(new LocalStores(streams::store, readiness, topology.windowSize()),
        new Placement(Placement.Metadata.of(streams)),
        new Fanout(fanoutThreads), Peers.overHttp(), self, topology.retention(), Clock.systemUTC());
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, Json.error("only GET and HEAD"));
        return;
      }
      Routes.Parsed parsed = routes.parse(ex.getRequestURI());
      Route route = parsed.route();
      if (route instanceof Route.Health) {
        health(ex);
      } else if (route instanceof Route.Metrics) {
        HttpEndpoint.metrics(ex, registry);
      } else if (route instanceof Route.ConsoleFile f) {
        ConsoleFiles.serve(ex, f.name());
      } else if (route instanceof Route.Index) {
        respond(ex, 200, Endpoint.index());
      } else {
        respond(ex, 200, answers.answer((Query) route, parsed.scope(), ex.getRequestURI()));
      }
    } catch (BadRequest e) {
      respond(ex, e.status, Json.error(e.getMessage()));
    } catch (Unavailable e) {
      respond(ex, 503, Json.error(e.getMessage()));
    } catch (ErrorAnswer e) {
      respond(ex, e.status, e.body);
    } catch (RuntimeException e) {
      log.error("query {} failed", ex.getRequestURI(), e);
      respond(ex, 500, Json.error("internal error: " + e));
    } finally {
      ex.close();
    }
  }

  private void health(HttpExchange ex) throws IOException {
    KafkaStreams.State state = streams.state();
    boolean ok = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
    respond(ex, ok ? 200 : 503, Json.MAPPER.createObjectNode().put("state", state.name()));
  }

  private static void respond(HttpExchange ex, int status, JsonNode body) throws IOException {
    HttpEndpoint.respond(ex, status, "application/json", Json.MAPPER.writeValueAsBytes(body));
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    fanoutThreads.shutdownNow();
  }
}
