package io.fleetacct.streams.query;

/** What a request to the query server asks for: a query of the API v1, or one of the server's own pages. */
sealed interface Route permits Query, Route.Index, Route.Health, Route.Metrics, Route.ConsoleFile {

  /** {@code /v1}: the endpoints and their parameters. */
  record Index() implements Route {}

  /** {@code /healthz}. */
  record Health() implements Route {}

  /** {@code /metrics}, Prometheus text. */
  record Metrics() implements Route {}

  /** A file of the web console: {@code /} is index.html, the rest are under /console/. */
  record ConsoleFile(String name) implements Route {}
}
