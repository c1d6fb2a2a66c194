package io.fleetacct.streams.query;

import com.sun.net.httpserver.HttpExchange;
import io.fleetacct.common.http.HttpEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/** The web console's files (resources under io/fleetacct/streams/console), read once: they are part of the build. */
final class ConsoleFiles {

  private static final Map<String, byte[]> FILES = load();

  private ConsoleFiles() {}

  static void serve(HttpExchange ex, String name) throws IOException {
    byte[] body = FILES.get(name);
    String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    HttpEndpoint.respond(ex, 200, type + "; charset=utf-8", body);
  }

  private static Map<String, byte[]> load() {
    Map<String, byte[]> files = new HashMap<>();
    for (String name : Routes.CONSOLE_FILES) {
      try (InputStream in = ConsoleFiles.class.getResourceAsStream("/io/fleetacct/streams/console/" + name)) {
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
}
