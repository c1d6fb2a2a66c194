package io.fleetacct.streams.query;

import io.fleetacct.streams.topology.DelaySketches;
import io.fleetacct.streams.topology.TableKey;
import io.fleetacct.streams.topology.Tables;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a request URI into a {@link Route} and, for a request that one instance forwards to
 * another, its {@link Scope}. Everything a client can get wrong is a {@link BadRequest} here,
 * before any store is touched.
 */
final class Routes {

  /** The web console's files. */
  static final Set<String> CONSOLE_FILES = Set.of("index.html", "app.js", "style.css");
  static final int MAX_LIMIT = 10_000;
  static final int DEFAULT_LIMIT = 10;

  /** A parsed request: what it asks, and (when forwarded by a peer) which store partitions to read. */
  record Parsed(Route route, Optional<Scope> scope) {}

  private final Duration retention;
  private final Clock clock;

  /** @param retention how long windows are kept: a range that ends before that is refused */
  Routes(Duration retention, Clock clock) {
    this.retention = retention;
    this.clock = clock;
  }

  Parsed parse(URI uri) throws BadRequest {
    List<String> path = new ArrayList<>();
    for (String s : uri.getRawPath().split("/")) {
      if (!s.isEmpty()) {
        path.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
      }
    }
    Map<String, String> q = query(uri.getRawQuery());
    String partitions = q.remove(Scope.PARAMETER);
    Optional<Scope> scope = partitions == null ? Optional.empty() : Optional.of(Scope.parse(partitions));
    return new Parsed(route(uri, path, q), scope);
  }

  private Route route(URI uri, List<String> path, Map<String, String> q) throws BadRequest {
    if (path.equals(List.of("healthz"))) {
      return new Route.Health();
    }
    if (path.equals(List.of("metrics"))) {
      return new Route.Metrics();
    }
    if (path.isEmpty()) {
      return new Route.ConsoleFile("index.html");
    }
    if (path.size() == 2 && path.get(0).equals("console") && CONSOLE_FILES.contains(path.get(1))) {
      return new Route.ConsoleFile(path.get(1));
    }
    for (Endpoint endpoint : Endpoint.values()) {
      Optional<Map<String, String>> values = endpoint.match(path);
      if (values.isPresent()) {
        takesOnly(q, uri, endpoint);
        return endpoint.parse(this, values.get(), q);
      }
    }
    if (path.size() == 3 && path.get(0).equals("v1") && path.get(2).equals("top")) {
      throw BadRequest.notFound("no top for '" + path.get(1) + "': hosts, cgroups or commands");
    }
    throw notFound(uri);
  }

  /** A key of one table, as the totals and series endpoints name it. */
  record Key(Tables table, String key, Object json) {

    static Key host(Map<String, String> values) {
      return new Key(Tables.BY_HOST, values.get("host"), values.get("host"));
    }

    static Key command(Map<String, String> values) {
      return new Key(Tables.BY_PROGRAM, values.get("command"), values.get("command"));
    }

    static Key cgroup(Map<String, String> q) throws BadRequest {
      String cgroup = Routes.cgroup(q);
      return new Key(Tables.BY_CGROUP, cgroup, cgroup);
    }

    static Key hostCgroup(Map<String, String> values, Map<String, String> q) throws BadRequest {
      String host = values.get("host");
      String cgroup = Routes.cgroup(q);
      return new Key(Tables.BY_HOST_CGROUP, TableKey.join(host, cgroup), Map.of("host", host, "cgroup", cgroup));
    }

    Query.Totals totals() {
      return new Query.Totals(table, key, json);
    }
  }

  Query.Series series(Key k, Map<String, String> q) throws BadRequest {
    Query.TimeRange range = Times.range(q, clock).orElseThrow(
        () -> BadRequest.badParameter("missing parameters from and to (or last=, such as last=1h)"));
    if (range.to().isBefore(range.from())) {
      throw BadRequest.badParameter("to (" + range.to() + ") is before from (" + range.from() + ")");
    }
    return new Query.Series(k.table(), k.key(), k.json(), range.from(), range.to());
  }

  Query.Top top(Dimension dimension, Map<String, String> q) throws BadRequest {
    Measure by = Measure.parse(required(q, "by"));
    int limit = q.containsKey("limit") ? integer(q.get("limit"), "limit") : DEFAULT_LIMIT;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw BadRequest.badParameter("limit must be 1 to " + MAX_LIMIT + ", not " + limit);
    }
    return new Query.Top(dimension, by, limit, keptRange(q));
  }

  /** Quantiles of {@code of} (default cpu_delay_avg) at {@code q} (default 0.5,0.9,0.99), all-time or over a range. */
  Query.Quantiles quantiles(Key k, Map<String, String> q) throws BadRequest {
    DelaySketches.Observation of = Measure.observation(q.getOrDefault("of", DEFAULT_OBSERVATION), "of");
    List<Double> quantiles = new ArrayList<>();
    for (String v : q.getOrDefault("q", DEFAULT_QUANTILES).split(",", -1)) {
      double d;
      try {
        d = Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        throw BadRequest.badParameter("q=" + q.get("q") + ": '" + v + "' is not a number (q=0.5,0.9,0.99)");
      }
      if (!(d > 0 && d <= 1)) {
        throw BadRequest.badParameter("q=" + q.get("q") + ": " + v + " is not in (0, 1]");
      }
      quantiles.add(d);
    }
    OptionalLong above = q.containsKey("above") ? OptionalLong.of(nanos(q.get("above"), "above")) : OptionalLong.empty();
    return new Query.Quantiles(k.table(), k.key(), k.json(), of, List.copyOf(quantiles), above, keptRange(q));
  }

  static final String DEFAULT_OBSERVATION = "cpu_delay_avg";
  static final String DEFAULT_QUANTILES = "0.5,0.9,0.99";
  private static final Pattern NANOS = Pattern.compile("([0-9]{1,15}(?:\\.[0-9]{1,9})?)(ns|us|ms|s)?");

  /** A delay such as {@code 10ms}, {@code 250us}, {@code 1.5s} or {@code 2000} (ns), in ns. */
  static long nanos(String v, String name) throws BadRequest {
    Matcher m = NANOS.matcher(v.trim());
    if (!m.matches()) {
      throw BadRequest.badParameter(name + "=" + v + " is not a delay: a number with ns, us, ms or s (10ms)");
    }
    double unit = switch (m.group(2) == null ? "ns" : m.group(2)) {
      case "us" -> 1e3;
      case "ms" -> 1e6;
      case "s" -> 1e9;
      default -> 1;
    };
    double ns = Double.parseDouble(m.group(1)) * unit;
    if (ns > 1e15) {
      throw BadRequest.badParameter(name + "=" + v + " is above 11 days: not a delay of one event");
    }
    return Math.round(ns);
  }

  /** The request's range (from/to or last), if it has one: from before to, ending inside the retention. */
  private Optional<Query.TimeRange> keptRange(Map<String, String> q) throws BadRequest {
    Optional<Query.TimeRange> range = Times.range(q, clock);
    if (range.isEmpty()) {
      return range;
    }
    Instant from = range.get().from();
    Instant to = range.get().to();
    if (!from.isBefore(to)) {
      throw BadRequest.badParameter("from (" + from + ") must be before to (" + to + ")");
    }
    Instant kept = clock.instant().minus(retention);
    if (!to.isAfter(kept)) {
      throw BadRequest.badParameter("the range ends (" + to + ") before the retention window starts (" + kept
          + ": windows are kept for " + (retention.toMinutes() % 1440 == 0 ? retention.toDays() + " days"
          : retention.toMinutes() + " min") + ")");
    }
    return range;
  }

  /** A parameter the endpoint does not take is an error, not ignored: it may be meant for another. */
  private static void takesOnly(Map<String, String> q, URI uri, Endpoint endpoint) throws BadRequest {
    List<String> takes = endpoint.params();
    List<String> unknown = q.keySet().stream().filter(k -> !takes.contains(k)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw BadRequest.badParameter((unknown.size() == 1 ? "unknown parameter " : "unknown parameters ")
          + String.join(", ", unknown) + ": " + uri.getRawPath()
          + (takes.isEmpty() ? " takes none" : " takes " + String.join(", ", takes)) + " (GET /v1 lists them all)");
    }
  }

  private static BadRequest notFound(URI uri) {
    return BadRequest.notFound("no such resource: " + uri.getRawPath()
        + (uri.getRawPath().startsWith("/v1") ? "" : " (the API is under /v1)"));
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

  /** Where cgroup2 may be mounted; a path given with it names the cgroup below it. */
  private static final List<String> CGROUP_MOUNTS = List.of("/sys/fs/cgroup/unified", "/sys/fs/cgroup");

  /**
   * The {@code path} parameter as the tables key cgroups: from the cgroup2 root, with a leading
   * slash and none at the end, so that {@code web}, {@code /web/} and
   * {@code /sys/fs/cgroup/unified/web} all name {@code /web}; {@code (unattributed)} as it is.
   */
  static String cgroup(Map<String, String> q) throws BadRequest {
    String path = required(q, "path").trim();
    if (path.equals(Tables.UNATTRIBUTED)) {
      return path;
    }
    for (String mount : CGROUP_MOUNTS) {
      if (path.equals(mount) || path.startsWith(mount + "/")) {
        path = path.substring(mount.length());
        break;
      }
    }
    path = path.replaceAll("/{2,}", "/");
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    while (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return path;
  }

  private static String required(Map<String, String> q, String name) throws BadRequest {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      throw BadRequest.badParameter("missing parameter " + name);
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


}
