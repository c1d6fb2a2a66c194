package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The endpoints of the query API v1: each one's path, the parameters it takes and how a request
 * becomes its {@link Route}. What {@code GET /v1} lists and what {@link Routes} matches a request
 * against (a parameter an endpoint does not take is refused). In a path, {@code {name}} is any one
 * segment and {@code {a,b}} one of those words.
 */
enum Endpoint {
  INDEX("/v1", "these endpoints", "/v1", (r, v, q) -> new Route.Index()),
  HOST_TOTALS("/v1/hosts/{host}/totals", "all-time totals of one host", null,
      (r, v, q) -> Routes.Key.host(v).totals()),
  CGROUP_TOTALS("/v1/cgroups/totals", "all-time totals of one cgroup, fleet-wide", null,
      (r, v, q) -> Routes.Key.cgroup(q).totals(), "path"),
  HOST_CGROUP_TOTALS("/v1/hosts/{host}/cgroups/totals", "all-time totals of one cgroup on one host", null,
      (r, v, q) -> Routes.Key.hostCgroup(v, q).totals(), "path"),
  COMMAND_TOTALS("/v1/commands/{command}/totals", "all-time totals of one program, fleet-wide", null,
      (r, v, q) -> Routes.Key.command(v).totals()),
  HOST_SERIES("/v1/hosts/{host}/series", "one host's 1-minute windows that start in [from, to]", null,
      (r, v, q) -> r.series(Routes.Key.host(v), q), "from", "to", "last"),
  CGROUP_SERIES("/v1/cgroups/series", "one cgroup's 1-minute windows", null,
      (r, v, q) -> r.series(Routes.Key.cgroup(q), q), "path", "from", "to", "last"),
  HOST_CGROUP_SERIES("/v1/hosts/{host}/cgroups/series", "one cgroup's windows on one host", null,
      (r, v, q) -> r.series(Routes.Key.hostCgroup(v, q), q), "path", "from", "to", "last"),
  COMMAND_SERIES("/v1/commands/{command}/series", "one program's 1-minute windows", null,
      (r, v, q) -> r.series(Routes.Key.command(v), q), "from", "to", "last"),
  HOST_QUANTILES("/v1/hosts/{host}/quantiles", "quantiles of a delay over one host's exits, all-time or over [from, to)",
      null, (r, v, q) -> r.quantiles(Routes.Key.host(v), q), "of", "q", "above", "from", "to", "last"),
  CGROUP_QUANTILES("/v1/cgroups/quantiles", "quantiles of a delay over one cgroup's exits, fleet-wide", null,
      (r, v, q) -> r.quantiles(Routes.Key.cgroup(q), q), "path", "of", "q", "above", "from", "to", "last"),
  HOST_CGROUP_QUANTILES("/v1/hosts/{host}/cgroups/quantiles", "quantiles of a delay over one cgroup's exits on one host",
      null, (r, v, q) -> r.quantiles(Routes.Key.hostCgroup(v, q), q), "path", "of", "q", "above", "from", "to", "last"),
  COMMAND_QUANTILES("/v1/commands/{command}/quantiles", "quantiles of a delay over one program's exits, fleet-wide",
      null, (r, v, q) -> r.quantiles(Routes.Key.command(v), q), "of", "q", "above", "from", "to", "last"),
  TOP("/v1/{hosts,cgroups,commands}/top", "the keys with the largest `by`, all-time or over [from, to)",
      "/v1/cgroups/top?by=cpu_delay_total&limit=10",
      (r, v, q) -> r.top(Dimension.of(Dimension.Kind.valueOf(v.get(Endpoint.CHOICE).toUpperCase(java.util.Locale.ROOT))), q),
      "by", "limit", "from", "to", "last"),
  HOSTS_OF_CGROUP("/v1/cgroups/hosts", "the hosts of one cgroup, ranked", null,
      (r, v, q) -> r.top(Dimension.hostsOf(Routes.cgroup(q)), q), "path", "by", "limit", "from", "to", "last"),
  CGROUPS_OF_HOST("/v1/hosts/{host}/cgroups/top", "the cgroups of one host, ranked", null,
      (r, v, q) -> r.top(Dimension.cgroupsOf(v.get("host")), q), "by", "limit", "from", "to", "last"),
  THREADS_OF_COMMAND("/v1/commands/{command}/threads/top", "the threads of one program by thread name, ranked",
      null, (r, v, q) -> r.top(Dimension.threadsOf(v.get("command")), q), "by", "limit", "from", "to", "last"),
  AGENTS("/v1/agents", "every agent's last status and the sequence gaps counted for it", "/v1/agents",
      (r, v, q) -> new Query.Agents());

  /** Where a {@code {a,b}} segment's word is among the path's values. */
  static final String CHOICE = "{}";

  /** Makes the route of a request to this endpoint from its path's values and its parameters. */
  @FunctionalInterface
  interface Parser {
    Route parse(Routes routes, Map<String, String> values, Map<String, String> params) throws BadRequest;
  }

  private final String path;
  private final List<String> segments;
  private final String answers;
  private final String href;
  private final Parser parser;
  private final List<String> params;

  Endpoint(String path, String answers, String href, Parser parser, String... params) {
    this.path = path;
    this.segments = List.of(path.substring(1).split("/"));
    this.answers = answers;
    this.href = href;
    this.parser = parser;
    this.params = List.of(params);
  }

  String path() {
    return path;
  }

  /** The query parameters it takes. */
  List<String> params() {
    return params;
  }

  /** The values of the path's {@code {...}} segments if {@code path} (decoded segments) is this endpoint's. */
  Optional<Map<String, String>> match(List<String> path) {
    if (path.size() != segments.size()) {
      return Optional.empty();
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < path.size(); i++) {
      String pattern = segments.get(i);
      String given = path.get(i);
      if (!pattern.startsWith("{")) {
        if (!pattern.equals(given)) {
          return Optional.empty();
        }
      } else if (pattern.contains(",")) {
        if (!List.of(pattern.substring(1, pattern.length() - 1).split(",")).contains(given)) {
          return Optional.empty();
        }
        values.put(CHOICE, given);
      } else {
        values.put(pattern.substring(1, pattern.length() - 1), given);
      }
    }
    return Optional.of(values);
  }

  Route parse(Routes routes, Map<String, String> values, Map<String, String> params) throws BadRequest {
    return parser.parse(routes, values, params);
  }

  /** {@code GET /v1}: every endpoint, its parameters, and a link where one needs no key. */
  static JsonNode index() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("api", "fleetacct query API v1");
    root.put("docs", "README.md: The streams application and the query API");
    ArrayNode list = root.putArray("endpoints");
    for (Endpoint e : values()) {
      ObjectNode o = list.addObject();
      o.put("path", e.path);
      e.params.forEach(o.putArray("params")::add);
      o.put("answers", e.answers);
      if (e.href != null) {
        o.put("href", e.href);
      }
    }
    return root;
  }
}
