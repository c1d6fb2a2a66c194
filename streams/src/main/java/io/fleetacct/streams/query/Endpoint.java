package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The endpoints of the query API v1 and the parameters each takes: what {@code GET /v1} lists and
 * what {@link Routes} holds a request to (a parameter an endpoint does not take is refused).
 */
enum Endpoint {
  INDEX("/v1", "these endpoints", "/v1"),
  HOST_TOTALS("/v1/hosts/{host}/totals", "all-time totals of one host", null),
  CGROUP_TOTALS("/v1/cgroups/totals", "all-time totals of one cgroup, fleet-wide", null, "path"),
  HOST_CGROUP_TOTALS("/v1/hosts/{host}/cgroups/totals", "all-time totals of one cgroup on one host", null, "path"),
  COMMAND_TOTALS("/v1/commands/{command}/totals", "all-time totals of one program, fleet-wide", null),
  HOST_SERIES("/v1/hosts/{host}/series", "one host's 1-minute windows that start in [from, to]", null, "from",
      "to"),
  CGROUP_SERIES("/v1/cgroups/series", "one cgroup's 1-minute windows", null, "path", "from", "to"),
  HOST_CGROUP_SERIES("/v1/hosts/{host}/cgroups/series", "one cgroup's windows on one host", null, "path", "from",
      "to"),
  COMMAND_SERIES("/v1/commands/{command}/series", "one program's 1-minute windows", null, "from", "to"),
  TOP("/v1/{hosts,cgroups,commands}/top", "the keys with the largest `by`, all-time or over [from, to)",
      "/v1/cgroups/top?by=cpu_delay_total&limit=10", "by", "limit", "from", "to"),
  HOSTS_OF_CGROUP("/v1/cgroups/hosts", "the hosts of one cgroup, ranked", null, "path", "by", "limit", "from", "to"),
  CGROUPS_OF_HOST("/v1/hosts/{host}/cgroups/top", "the cgroups of one host, ranked", null, "by", "limit", "from",
      "to"),
  THREADS_OF_COMMAND("/v1/commands/{command}/threads/top", "the threads of one program by thread name, ranked",
      null, "by", "limit", "from", "to"),
  AGENTS("/v1/agents", "every agent's last status and the sequence gaps counted for it", "/v1/agents");

  private final String path;
  private final String answers;
  private final String href;
  private final List<String> params;

  Endpoint(String path, String answers, String href, String... params) {
    this.path = path;
    this.answers = answers;
    this.href = href;
    this.params = List.of(params);
  }

  String path() {
    return path;
  }

  /** The query parameters it takes. */
  List<String> params() {
    return params;
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
