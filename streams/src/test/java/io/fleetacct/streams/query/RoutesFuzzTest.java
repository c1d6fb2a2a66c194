package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the query API's parser: every request either parses or is a 400/404 with a
 * message; nothing else escapes. Iterations: -Dfleetacct.fuzz.iterations (default 200,000).
 */
class RoutesFuzzTest {

  private static final Routes ROUTES = new Routes(Duration.ofDays(7), Clock.systemUTC());
  private static final int ITERATIONS = Integer.getInteger("fleetacct.fuzz.iterations", 200_000);

  @Test
  void everyRequestParsesOrIsA400Or404() {
    SplittableRandom random = new SplittableRandom(20261125L);
    int parsed = 0;
    int refused = 0;
    int notUris = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      String request = QueryFuzzing.request(random);
      URI uri;
      try {
        uri = new URI("http://127.0.0.1:8080" + request);
      } catch (URISyntaxException e) {
        notUris++; // the HTTP server refuses these before any handler runs
        continue;
      }
      try {
        ROUTES.parse(uri);
        parsed++;
      } catch (BadRequest e) {
        assertThat(e.status).as(request).isIn(400, 404);
        assertThat(e.getMessage()).as(request).isNotBlank();
        refused++;
      }
    }
    System.out.printf("query fuzz: %,d requests, %,d parsed, %,d refused, %,d not URIs%n", ITERATIONS, parsed,
        refused, notUris);
    assertThat(parsed).isPositive();
    assertThat(refused).isPositive();
  }
}
