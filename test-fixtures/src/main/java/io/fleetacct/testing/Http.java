package io.fleetacct.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the tests ask of the query API and the agent's metrics endpoint, and how they wait. */
public final class Http {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private Http() {}

  /** The status of a GET, or -1 when nothing answers. */
  public static int status(String url) {
    try {
      return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The body of a 200 answer; an empty object for any other status (for polling; see {@link #answer}). */
  public static JsonNode json(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
  }

  /**
   * The body of the 200 answer, waiting up to 180 s while the server answers 503 (stores not
   * queryable now, an instance unreachable; after a peer's SIGKILL under exactly-once, the
   * survivor can rebuild corrupted tasks from their changelogs for over a minute); any other
   * status is an AssertionError with the body. For reads whose result is asserted: an error must
   * never pass for an empty answer.
   */
  public static JsonNode answer(String url) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (true) {
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
          .build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return JSON.readTree(r.body());
      }
      if (r.statusCode() != 503 || System.nanoTime() > deadline) {
        throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
      }
      Thread.sleep(200);
    }
  }

  /** {@code sequence_gaps} of {@code host}'s row in {@code base}/v1/agents, which must have exactly one. */
  public static long sequenceGaps(String base, String host) throws IOException, InterruptedException {
    return agent(base, host).get("sequence_gaps").asLong();
  }

  /** {@code host}'s row in {@code base}/v1/agents, which must have exactly one. */
  public static JsonNode agent(String base, String host) throws IOException, InterruptedException {
    List<JsonNode> rows = new ArrayList<>();
    for (JsonNode row : answer(base + "/v1/agents")) {
      if (row.get("host").asText().equals(host)) {
        rows.add(row);
      }
    }
    if (rows.size() != 1) {
      throw new AssertionError("the agent's row in /v1/agents: expected 1 for " + host + ", found " + rows.size());
    }
    return rows.get(0);
  }

  /** One unlabelled sample of a Prometheus text exposition at {@code base}/metrics. */
  public static long metric(String base, String name) throws IOException, InterruptedException {
    String body = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
    if (!m.find()) {
      throw new AssertionError("no metric " + name + " at " + base);
    }
    return (long) Double.parseDouble(m.group(1));
  }

  /** A condition that may need I/O to decide. */
  @FunctionalInterface
  public interface Check {
    boolean holds() throws Exception;
  }

  /** Polls every 200 ms until {@code check} holds; an AssertionError naming {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, Check check) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.holds()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s");
  }
}
