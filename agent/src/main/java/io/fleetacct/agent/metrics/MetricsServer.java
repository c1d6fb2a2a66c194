package io.fleetacct.agent.metrics;

import com.sun.net.httpserver.HttpServer;
import io.fleetacct.common.http.HttpEndpoint;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** {@code /metrics} (Prometheus text format, with JVM metrics) and {@code /healthz} over HTTP. */
public final class MetricsServer implements AutoCloseable {

  private static final String TEXT = "text/plain; charset=utf-8";

  /** What /healthz says: ready or not, and why. */
  public record Health(boolean ready, String detail) {}

  private final HttpServer server;

  private MetricsServer(HttpServer server) {
    this.server = server;
  }

  /** Binds {@code host:port} (port 0: any free port) and serves until closed. */
  public static MetricsServer start(String host, int port, PrometheusRegistry registry, Supplier<Health> health)
      throws IOException {
    JvmMetrics.builder().register(registry);
    HttpServer server = HttpEndpoint.bind(host, port, 16, "metrics", "--metrics-port");
    server.createContext("/metrics", ex -> HttpEndpoint.metrics(ex, registry));
    server.createContext("/healthz", ex -> {
      Health h = health.get();
      HttpEndpoint.respond(ex, h.ready() ? 200 : 503, TEXT,
          ((h.ready() ? "ok: " : "not ready: ") + h.detail() + "\n").getBytes(StandardCharsets.UTF_8));
    });
    server.createContext("/", ex -> HttpEndpoint.respond(ex, 404, TEXT,
        "not found: /metrics and /healthz only\n".getBytes(StandardCharsets.UTF_8)));
    server.setExecutor(HttpEndpoint.threads(2, "metrics-http"));
    server.start();
    return new MetricsServer(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
