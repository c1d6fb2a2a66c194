package io.fleetacct.common.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The JDK HTTP server as the agent's metrics and the query API use it. */
public final class HttpEndpoint {

  static {
    // The JDK server writes headers and body apart; with Nagle's algorithm on, the client's delayed
    // ACK holds the body back ~40 ms on every response. Read once, before the first server starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private HttpEndpoint() {}

  /**
   * Binds {@code host:port} now (port 0: any free port); a port in use is an IOException that
   * names {@code what} and the option that chooses another.
   */
  public static HttpServer bind(String host, int port, int backlog, String what, String option) throws IOException {
    try {
      return HttpServer.create(new InetSocketAddress(host, port), backlog);
    } catch (BindException e) {
      throw new IOException("cannot serve " + what + " on " + host + ":" + port + ": " + e.getMessage()
          + " (is the port in use? choose another with " + option + ")", e);
    }
  }

  /** A fixed pool of {@code threads} daemon threads named {@code name}, for a server's requests. */
  public static ExecutorService threads(int threads, String name) {
    return Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Sends a whole response (to a HEAD request its headers only); the exchange is done afterwards. */
  public static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** {@code /metrics}: the registry in the Prometheus text format. */
  public static void metrics(HttpExchange ex, PrometheusRegistry registry) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
    PrometheusTextFormatWriter.create().write(body, registry.scrape(), EscapingScheme.DEFAULT);
    respond(ex, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toByteArray());
  }
}
