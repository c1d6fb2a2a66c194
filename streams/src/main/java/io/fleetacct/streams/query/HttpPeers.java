package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.streams.state.HostInfo;

/** {@link Peers} over HTTP: the same request to the peer's query server, with a {@link Scope}. */
final class HttpPeers implements Peers {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Override
  public JsonNode get(HostInfo peer, URI uri, Scope scope) throws Unavailable {
    String scoped = Scope.PARAMETER + "=" + URLEncoder.encode(scope.encode(), StandardCharsets.UTF_8);
    String q = uri.getRawQuery() == null ? scoped : uri.getRawQuery() + "&" + scoped;
    URI target = URI.create("http://" + peer.host() + ":" + peer.port() + uri.getRawPath() + "?" + q);
    try {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(target).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode body = Json.MAPPER.readTree(resp.body());
      if (resp.statusCode() == 200) {
        return body;
      }
      if (resp.statusCode() == 404 || resp.statusCode() == 400) {
        throw new ErrorAnswer(resp.statusCode(), body); // the peer's own 404 or 400, as it is
      }
      throw new Unavailable("instance " + peer + " answered " + resp.statusCode() + ": " + body.path("error").asText());
    } catch (IOException e) {
      throw new Unavailable("instance " + peer + " does not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    }
  }
}
