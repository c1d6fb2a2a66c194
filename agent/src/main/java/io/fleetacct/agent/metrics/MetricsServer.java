package io.fleetacct.agent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** {@code /metrics} (Prometheus text format, with JVM metrics) and {@code /healthz} over HTTP. */
public final class MetricsServer implements AutoCloseable {

  /** What /healthz says: ready or not, and why. */
  public record Health(boolean ready, String detail) {}

  private final HttpServer server;

  static {
    // The JDK server writes headers and body apart; with Nagle's algorithm on, the client's delayed
    // ACK holds the body back ~40 ms on every response. Read once, before the first server starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private MetricsServer(HttpServer server) {
    this.server = server;
  }

  /** Binds {@code host:port} (port 0: any free port) and serves until closed. */
  public static MetricsServer start(String host, int port, PrometheusRegistry registry, Supplier<Health> health)
      throws IOException {
    JvmMetrics.builder().register(registry);
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (java.net.BindException e) {
      throw new IOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage()
          + " (is the port in use? choose another with --metrics-port)", e);
    }
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    server.createContext("/metrics", ex -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
      writer.write(body, registry.scrape(), EscapingScheme.DEFAULT);
      respond(ex, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toByteArray());
    });
    server.createContext("/healthz", ex -> {
      Health h = health.get();
      respond(ex, h.ready() ? 200 : 503, "text/plain; charset=utf-8",
          ((h.ready() ? "ok: " : "not ready: ") + h.detail() + "\n").getBytes(StandardCharsets.UTF_8));
    });
    server.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8",
        "not found: /metrics and /healthz only\n".getBytes(StandardCharsets.UTF_8)));
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "metrics-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new MetricsServer(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
