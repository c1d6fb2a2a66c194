package io.fleetacct.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpEndpointTest {

  @Test
  void aPortInUseNamesWhatAndTheOptionThatChoosesAnother() throws Exception {
    HttpServer first = HttpEndpoint.bind("127.0.0.1", 0, 4, "metrics", "--metrics-port");
    try {
      int port = first.getAddress().getPort();
      assertThatThrownBy(() -> HttpEndpoint.bind("127.0.0.1", port, 4, "the query API", "--http-port"))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("cannot serve the query API on 127.0.0.1:" + port + ": ")
          .hasMessageEndingWith("(is the port in use? choose another with --http-port)");
    } finally {
      first.stop(0);
    }
  }

  @Test
  void respondsWithStatusTypeAndBody() throws Exception {
    HttpServer s = HttpEndpoint.bind("127.0.0.1", 0, 4, "test", "--port");
    s.createContext("/", ex -> HttpEndpoint.respond(ex, 418, "text/plain; charset=utf-8",
        "teapot\n".getBytes(StandardCharsets.UTF_8)));
    s.setExecutor(HttpEndpoint.threads(1, "test-http"));
    s.start();
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(418);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
      assertThat(r.body()).isEqualTo("teapot\n");
    } finally {
      s.stop(0);
    }
  }
}
