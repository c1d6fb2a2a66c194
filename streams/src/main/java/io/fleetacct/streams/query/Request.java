package io.fleetacct.streams.query;

import io.fleetacct.schema.DelayTotals;
import io.fleetacct.streams.topology.Tables;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;

/**
 * A parsed query API v1 request: what is asked ({@link Kind}), of which table and key, with
 * which parameters. Everything a client can get wrong is a {@link BadRequest} here, before any
 * store is touched.
 */
record Request(Kind kind, Tables table, String key, Object keyJson, String by, int limit, Instant from, Instant to,
               boolean local) {

  enum Kind { TOTALS, SERIES, TOP, AGENTS, HEALTH, METRICS, CONSOLE }

  /** The web console's files: {@code /} is index.html, the rest are under /console/. */
  static final Set<String> CONSOLE_FILES = Set.of("index.html", "app.js", "style.css");

  static final int MAX_LIMIT = 10_000;
  /** Fields `top` can sort by: every numeric DelayTotals field. */
  static final Set<String> SORTABLE = DelayTotals.getClassSchema().getFields().stream()
      .filter(f -> f.schema().getType() == Schema.Type.LONG && f.schema().getLogicalType() == null)
      .map(Schema.Field::name).collect(Collectors.toUnmodifiableSet());

  static Request parse(URI uri) throws BadRequest {
    List<String> path = new ArrayList<>();
    for (String s : uri.getRawPath().split("/")) {
      if (!s.isEmpty()) {
        path.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
      }
    }
    Map<String, String> q = query(uri.getRawQuery());
    boolean local = "true".equals(q.get("local"));
    if (path.equals(List.of("healthz"))) {
      return new Request(Kind.HEALTH, null, null, null, null, 0, null, null, local);
    }
    if (path.equals(List.of("metrics"))) {
      return new Request(Kind.METRICS, null, null, null, null, 0, null, null, local);
    }
    if (path.isEmpty()) {
      return new Request(Kind.CONSOLE, null, "index.html", null, null, 0, null, null, local);
    }
    if (path.size() == 2 && path.get(0).equals("console") && CONSOLE_FILES.contains(path.get(1))) {
      return new Request(Kind.CONSOLE, null, path.get(1), null, null, 0, null, null, local);
    }
    if (!path.get(0).equals("v1")) {
      throw BadRequest.notFound("no such resource: " + uri.getRawPath() + " (the API is under /v1)");
    }
    List<String> p = path.subList(1, path.size());
    if (p.equals(List.of("agents"))) {
      return new Request(Kind.AGENTS, null, null, null, null, 0, null, null, local);
    }
    if (p.size() == 2 && p.get(1).equals("top")) {
      Tables table = switch (p.get(0)) {
        case "hosts" -> Tables.BY_HOST;
        case "cgroups" -> Tables.BY_CGROUP;
        case "commands" -> Tables.BY_COMMAND;
        default -> throw BadRequest.notFound("no top for '" + p.get(0) + "': hosts, cgroups or commands");
      };
      String by = required(q, "by");
      if (!SORTABLE.contains(by)) {
        throw BadRequest.badParameter("by=" + by + " is not a totals field; one of " + sorted(SORTABLE));
      }
      int limit = q.containsKey("limit") ? integer(q.get("limit"), "limit") : 10;
      if (limit < 1 || limit > MAX_LIMIT) {
        throw BadRequest.badParameter("limit must be 1 to " + MAX_LIMIT + ", not " + limit);
      }
      return new Request(Kind.TOP, table, null, null, by, limit, null, null, local);
    }
    String last = p.isEmpty() ? "" : p.get(p.size() - 1);
    Kind kind = switch (last) {
      case "totals" -> Kind.TOTALS;
      case "series" -> Kind.SERIES;
      default -> throw BadRequest.notFound("no such resource: " + uri.getRawPath());
    };
    List<String> target = p.subList(0, p.size() - 1);
    Request r;
    if (target.size() == 2 && target.get(0).equals("hosts")) {
      r = keyed(kind, Tables.BY_HOST, nonEmpty(target.get(1), "host"), target.get(1));
    } else if (target.size() == 2 && target.get(0).equals("commands")) {
      r = keyed(kind, Tables.BY_COMMAND, target.get(1), target.get(1));
    } else if (target.equals(List.of("cgroups"))) {
      String path2 = required(q, "path");
      r = keyed(kind, Tables.BY_CGROUP, path2, path2);
    } else if (target.size() == 3 && target.get(0).equals("hosts") && target.get(2).equals("cgroups")) {
      String host = nonEmpty(target.get(1), "host");
      String cg = required(q, "path");
      r = keyed(kind, Tables.BY_HOST_CGROUP, Tables.hostCgroupKey(host, cg), Map.of("host", host, "cgroup", cg));
    } else {
      throw BadRequest.notFound("no such resource: " + uri.getRawPath());
    }
    if (kind == Kind.SERIES) {
      Instant from = instant(required(q, "from"), "from");
      Instant to = instant(required(q, "to"), "to");
      if (to.isBefore(from)) {
        throw BadRequest.badParameter("to (" + to + ") is before from (" + from + ")");
      }
      return new Request(kind, r.table, r.key, r.keyJson, null, 0, from, to, local);
    }
    return new Request(kind, r.table, r.key, r.keyJson, null, 0, null, null, local);
  }

  private static Request keyed(Kind kind, Tables table, String key, Object keyJson) {
    return new Request(kind, table, key, keyJson, null, 0, null, null, false);
  }

  private static Map<String, String> query(String raw) throws BadRequest {
    Map<String, String> q = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      try {
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (q.put(k, v) != null) {
          throw BadRequest.badParameter("parameter " + k + " given twice");
        }
      } catch (IllegalArgumentException e) {
        throw BadRequest.badParameter("bad query string: " + e.getMessage());
      }
    }
    return q;
  }

  private static String required(Map<String, String> q, String name) throws BadRequest {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      throw BadRequest.badParameter("missing parameter " + name);
    }
    return v;
  }

  private static String nonEmpty(String v, String what) throws BadRequest {
    if (v.isEmpty()) {
      throw BadRequest.badParameter("empty " + what);
    }
    return v;
  }

  private static int integer(String v, String name) throws BadRequest {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw BadRequest.badParameter(name + "=" + v + " is not a whole number");
    }
  }

  private static Instant instant(String v, String name) throws BadRequest {
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        throw BadRequest.badParameter(name + "=" + v + " is not an ISO-8601 time such as 2026-11-25T10:00:00Z");
      }
    }
  }

  private static String sorted(Set<String> s) {
    String[] a = s.toArray(new String[0]);
    Arrays.sort(a);
    return String.join(", ", a);
  }
}
