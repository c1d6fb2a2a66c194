package io.fleetacct.streams.query;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/** Random query-API requests from the API's own vocabulary, mixed with garbage, for fuzz tests. */
final class QueryFuzzing {

  private static final List<String> SEGMENTS = List.of("v1", "hosts", "cgroups", "commands", "agents", "totals",
      "series", "top", "healthz", "metrics", "host-1", "", "..", "%00", "%ff", "v2", "cgroups%2Ftop", "console",
      "app.js");
  private static final List<String> PARAMS = List.of("path", "by", "limit", "from", "to", "partitions", "x");
  private static final List<String> VALUES = List.of("", "/", "/a", "exits", "cpu_delay_total", "10", "0", "-1",
      "99999999999", "2026-11-25T10:00:00Z", "2026-11-25T09:00:00Z", "yesterday", "true", "%", "%zz", "NaN",
      "cpu_delay_avg", "irq_delay_avg", "exits_avg", "totals-by-host:0", "rollups-by-cgroup:0,1", "x:", ":1");

  private QueryFuzzing() {}

  /** A path and query, already percent-encoded where it should be (and sometimes where it should not). */
  static String request(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int segments = r.nextInt(5);
    for (int i = 0; i < segments; i++) {
      b.append('/').append(i == 0 && r.nextInt(4) > 0 ? "v1" : pick(SEGMENTS, r));
    }
    if (b.length() == 0) {
      b.append('/');
    }
    int params = r.nextInt(4);
    for (int i = 0; i < params; i++) {
      b.append(i == 0 ? '?' : '&').append(pick(PARAMS, r)).append('=');
      b.append(r.nextInt(3) == 0 ? URLEncoder.encode(garbage(r), StandardCharsets.UTF_8) : pick(VALUES, r));
    }
    return b.toString();
  }

  private static String garbage(SplittableRandom r) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(40);
    for (int i = 0; i < n; i++) {
      s.appendCodePoint(r.nextInt(3) == 0 ? r.nextInt(0x2000) : 0x20 + r.nextInt(0x5f));
    }
    return s.toString();
  }

  private static String pick(List<String> l, SplittableRandom r) {
    return l.get(r.nextInt(l.size()));
  }
}
