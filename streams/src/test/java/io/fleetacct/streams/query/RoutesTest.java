package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.streams.topology.Rollups;
import io.fleetacct.streams.topology.TableKey;
import io.fleetacct.streams.topology.Tables;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutesTest {

  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  private static final Routes ROUTES = new Routes(Duration.ofDays(7), Clock.fixed(NOW, ZoneOffset.UTC));

  private static Route route(String uri) throws BadRequest {
    return ROUTES.parse(URI.create(uri)).route();
  }

  private static void refused(String uri, int status, String message) {
    assertThatThrownBy(() -> ROUTES.parse(URI.create(uri))).as(uri).isInstanceOf(BadRequest.class)
        .hasFieldOrPropertyWithValue("status", status).hasMessageContaining(message);
  }

  @Test
  void theRootIsTheConsolePageAndTheConsoleServesItsOwnFilesOnly() throws BadRequest {
    assertThat(route("/")).isEqualTo(new Route.ConsoleFile("index.html"));
    assertThat(route("/console/app.js")).isEqualTo(new Route.ConsoleFile("app.js"));
    assertThat(route("/console/style.css")).isEqualTo(new Route.ConsoleFile("style.css"));
    for (String path : new String[] {"/console/other.js", "/console/%2e%2e/%2e%2e/etc/passwd", "/console",
        "/console/app.js/x", "/app.js"}) {
      refused(path, 404, "no such resource");
    }
  }

  @Test
  void aParameterTheEndpointDoesNotTakeIsRefusedNamingTheOnesItTakes() {
    refused("/v1/hosts/vm/totals?from=2026-12-04T10:00:00Z&to=2026-12-04T11:00:00Z", 400,
        "unknown parameters from, to: /v1/hosts/vm/totals takes none");
    refused("/v1/hosts/vm/totals?from=garbage", 400, "unknown parameter from");
    refused("/v1/cgroups/top?by=exits&bogus=1", 400, "unknown parameter bogus: /v1/cgroups/top takes by, limit, from, to");
    refused("/v1/cgroups/totals?path=/a&limit=3", 400, "unknown parameter limit: /v1/cgroups/totals takes path");
    refused("/v1/hosts/h/series?from=2026-12-02T10:00:00Z&to=2026-12-02T11:00:00Z&by=exits", 400,
        "takes from, to");
    refused("/v1/agents?host=vm", 400, "/v1/agents takes none");
    refused("/v1/cgroups/hosts?path=/a&by=exits&limt=3", 400, "unknown parameter limt");
  }

  @Test
  void aCgroupPathNamesTheSameCgroupHoweverItIsWritten() throws BadRequest {
    Query.Totals expected = new Query.Totals(Tables.BY_CGROUP, "/newuser-test", "/newuser-test");
    for (String path : new String[] {"/newuser-test", "newuser-test", "/newuser-test/", "//newuser-test",
        "/sys/fs/cgroup/unified/newuser-test", "/sys/fs/cgroup/newuser-test/"}) {
      assertThat(route("/v1/cgroups/totals?path=" + path)).as(path).isEqualTo(expected);
    }
    assertThat(((Query.Totals) route("/v1/cgroups/totals?path=/sys/fs/cgroup")).key()).isEqualTo("/");
    assertThat(((Query.Totals) route("/v1/cgroups/totals?path=(unattributed)")).key()).isEqualTo("(unattributed)");
    assertThat(((Query.Top) route("/v1/cgroups/hosts?by=exits&path=a/b/")).dimension())
        .isEqualTo(Dimension.hostsOf("/a/b"));
  }

  @Test
  void v1AloneListsTheEndpoints() throws BadRequest {
    assertThat(route("/v1")).isEqualTo(new Route.Index());
    assertThat(route("/v1/")).isEqualTo(new Route.Index());
    refused("/v1?x=1", 400, "/v1 takes none");
    var index = Endpoint.index();
    assertThat(index.get("endpoints")).extracting(e -> e.get("path").asText())
        .contains("/v1/agents", "/v1/commands/{command}/threads/top", "/v1/cgroups/totals");
  }

  @Test
  void everyEndpointListedTakesWhatTheListSays() throws BadRequest {
    // Filled in: each path of the list, with its parameters, routes; one parameter more is refused.
    for (Endpoint e : Endpoint.values()) {
      String path = e.path().replace("{host}", "h").replace("{command}", "c")
          .replace("{hosts,cgroups,commands}", "cgroups");
      StringBuilder q = new StringBuilder();
      assertThat(e.params().contains("last")).as("%s: last= wherever from and to are", e)
          .isEqualTo(e.params().contains("from"));
      for (String p : e.params()) {
        if (p.equals("last")) {
          continue; // instead of from and to: timesAsPeopleWriteThem
        }
        q.append(q.length() == 0 ? "?" : "&").append(p).append('=').append(switch (p) {
          case "path" -> "/a";
          case "by" -> "exits";
          case "limit" -> "3";
          case "from" -> "2026-12-02T10:00:00Z";
          case "to" -> "2026-12-02T11:00:00Z";
          case "of" -> "blkio_delay_max";
          case "q" -> "0.5,0.999";
          case "above" -> "10ms";
          default -> throw new AssertionError(p);
        });
      }
      assertThat(route(path + q)).as(path + q).isNotNull();
      refused(path + q + (q.length() == 0 ? "?" : "&") + "extra=1", 400, "unknown parameter extra");
    }
  }

  @Test
  void healthAndMetrics() throws BadRequest {
    assertThat(route("/healthz")).isEqualTo(new Route.Health());
    assertThat(route("/metrics")).isEqualTo(new Route.Metrics());
  }

  @Test
  void totalsOfEachTable() throws BadRequest {
    assertThat(route("/v1/hosts/web-1/totals")).isEqualTo(new Query.Totals(Tables.BY_HOST, "web-1", "web-1"));
    assertThat(route("/v1/cgroups/totals?path=/system.slice/cron.service"))
        .isEqualTo(new Query.Totals(Tables.BY_CGROUP, "/system.slice/cron.service", "/system.slice/cron.service"));
    assertThat(route("/v1/hosts/web-1/cgroups/totals?path=/a%20b")).isEqualTo(new Query.Totals(
        Tables.BY_HOST_CGROUP, "web-1\u0000/a b", Map.of("host", "web-1", "cgroup", "/a b")));
    assertThat(route("/v1/commands/python3/totals")).isEqualTo(new Query.Totals(Tables.BY_PROGRAM, "python3",
        "python3"));
    refused("/v1/cgroups/totals", 400, "missing parameter path");
    refused("/v1/hosts//totals", 404, "no such resource");
  }

  @Test
  void seriesTakeAnInclusiveRange() throws BadRequest {
    assertThat(route("/v1/hosts/h/series?from=2026-12-02T10:00:00Z&to=2026-12-02T11:00:00%2B01:00")).isEqualTo(
        new Query.Series(Tables.BY_HOST, "h", "h", Instant.parse("2026-12-02T10:00:00Z"),
            Instant.parse("2026-12-02T10:00:00Z")));
    refused("/v1/hosts/h/series?from=2026-12-02T10:00:00Z", 400, "from and to go together");
    refused("/v1/hosts/h/series", 400, "missing parameters from and to (or last=");
    refused("/v1/hosts/h/series?from=2026-12-02T10:00:00Z&to=2026-12-02T09:00:00Z", 400, "is before");
    refused("/v1/hosts/h/series?from=yesterday&to=2026-12-02T09:00:00Z", 400, "is not a time");
  }

  @Test
  void timesAsPeopleWriteThem() throws BadRequest {
    Query.Series day = (Query.Series) route("/v1/hosts/h/series?from=2026-12-02&to=now");
    assertThat(List.of(day.from(), day.to())).as("a date is its midnight, UTC; now is the clock's")
        .containsExactly(Instant.parse("2026-12-02T00:00:00Z"), NOW);
    Query.Series local = (Query.Series) route("/v1/hosts/h/series?from=2026-12-02T10:30&to=2026-12-02T11:00:00");
    assertThat(local.from()).as("no offset: UTC").isEqualTo(Instant.parse("2026-12-02T10:30:00Z"));
    assertThat(((Query.Top) route("/v1/cgroups/top?by=exits&last=1h")).range())
        .contains(new Query.TimeRange(NOW.minus(Duration.ofHours(1)), NOW));
    assertThat(((Query.Top) route("/v1/cgroups/top?by=exits&from=-1h30m&to=-30m")).range())
        .contains(new Query.TimeRange(NOW.minus(Duration.ofMinutes(90)), NOW.minus(Duration.ofMinutes(30))));
    Query.Series last = (Query.Series) route("/v1/commands/java/series?last=90s");
    assertThat(last.from()).isEqualTo(NOW.minusSeconds(90));

    refused("/v1/hosts/h/series?from=2026-12-02T11:00:00+01:00&to=now", 400, "write the offset as %2B01:00");
    refused("/v1/cgroups/top?by=exits&last=1h&from=-2h", 400, "last= is a range of its own");
    refused("/v1/cgroups/top?by=exits&last=forever", 400, "is not a duration such as 90s");
    refused("/v1/cgroups/top?by=exits&last=0m", 400, "is no time at all");
    refused("/v1/cgroups/top?by=exits&last=9999999d", 400, "is not a duration");
    refused("/v1/hosts/h/totals?last=1h", 400, "unknown parameter last");
  }

  @Test
  void topIsAllTimeWithoutARangeAndSummedOverOneWithIt() throws BadRequest {
    assertThat(route("/v1/cgroups/top?by=cpu_delay_total")).isEqualTo(new Query.Top(
        Dimension.of(Dimension.Kind.CGROUPS), new Measure.Field("cpu_delay_total", position("cpu_delay_total")),
        Routes.DEFAULT_LIMIT, Optional.empty()));
    Query.Top ranged = (Query.Top) route(
        "/v1/hosts/top?by=cpu_delay_avg&limit=5&from=2026-12-02T11:00:00Z&to=2026-12-02T12:00:00Z");
    assertThat(ranged.dimension()).isEqualTo(Dimension.of(Dimension.Kind.HOSTS));
    assertThat(ranged.by()).isInstanceOf(Measure.Average.class);
    assertThat(ranged.limit()).isEqualTo(5);
    assertThat(ranged.range()).contains(new Query.TimeRange(Instant.parse("2026-12-02T11:00:00Z"), NOW));
    assertThat(((Query.Top) route("/v1/commands/top?by=exits")).dimension().index())
        .isEqualTo(Rollups.Index.BY_PROGRAM);
  }

  @Test
  void drillDownsRankTheHostsOfACgroupAndTheCgroupsOfAHost() throws BadRequest {
    Query.Top hosts = (Query.Top) route("/v1/cgroups/hosts?path=/web.slice&by=blkio_delay_total");
    assertThat(hosts.dimension()).isEqualTo(Dimension.hostsOf("/web.slice"));
    assertThat(hosts.dimension().index()).isEqualTo(Rollups.Index.BY_CGROUP_HOST);
    Query.Top cgroups = (Query.Top) route("/v1/hosts/web-1/cgroups/top?by=exits&limit=3");
    assertThat(cgroups.dimension()).isEqualTo(Dimension.cgroupsOf("web-1"));
    assertThat(cgroups.dimension().index()).isEqualTo(Rollups.Index.BY_HOST_CGROUP);
    Query.Top threads = (Query.Top) route("/v1/commands/java/threads/top?by=cpu_delay_total");
    assertThat(threads.dimension()).isEqualTo(Dimension.threadsOf("java"));
    assertThat(threads.dimension().index()).isEqualTo(Rollups.Index.BY_PROGRAM_THREAD);
    assertThat(threads.dimension().rankedTotalsKey(TableKey.join("java", "GC Thread#*"))).isEqualTo("GC Thread#*");
    assertThat(threads.dimension().rankedTotalsKey(TableKey.join("javac", "x"))).isNull();
    refused("/v1/commands//threads/top?by=exits", 404, "no such resource");
    refused("/v1/cgroups/hosts?by=exits", 400, "missing parameter path");
    refused("/v1/hosts//cgroups/top?by=exits", 404, "no such resource");
  }

  @Test
  void aQuantilesQueryTakesDefaultsAndDelaysAsPeopleWriteThem() throws BadRequest {
    Query.Quantiles q = (Query.Quantiles) route("/v1/cgroups/quantiles?path=web");
    assertThat(q.key()).isEqualTo("/web");
    assertThat(q.of().name()).isEqualTo("cpu_delay_avg");
    assertThat(q.q()).containsExactly(0.5, 0.9, 0.99);
    assertThat(q.aboveNanos()).isEmpty();
    assertThat(q.range()).as("all-time").isEmpty();

    Query.Quantiles ranged = (Query.Quantiles) route("/v1/hosts/h/cgroups/quantiles?path=/web&of=blkio_delay_max"
        + "&q=0.999,1&above=1.5ms&last=1h");
    assertThat(ranged.of().name()).isEqualTo("blkio_delay_max");
    assertThat(ranged.q()).containsExactly(0.999, 1.0);
    assertThat(ranged.aboveNanos()).hasValue(1_500_000);
    assertThat(ranged.range()).hasValue(new Query.TimeRange(NOW.minus(Duration.ofHours(1)), NOW));
    for (String[] delay : new String[][] {{"250", "250"}, {"250ns", "250"}, {"10us", "10000"}, {"10ms", "10000000"},
        {"2s", "2000000000"}}) {
      assertThat(((Query.Quantiles) route("/v1/commands/c/quantiles?above=" + delay[0])).aboveNanos())
          .as(delay[0]).hasValue(Long.parseLong(delay[1]));
    }
  }

  @Test
  void badQuantileQueriesAreRefusedWithTheReason() {
    refused("/v1/hosts/h/quantiles?of=cpu_delay_total", 400, "of: cpu_delay_total is not a delay observation; one of");
    refused("/v1/hosts/h/quantiles?q=0", 400, "0 is not in (0, 1]");
    refused("/v1/hosts/h/quantiles?q=1.5", 400, "1.5 is not in (0, 1]");
    refused("/v1/hosts/h/quantiles?q=0.5,,0.9", 400, "'' is not a number");
    refused("/v1/hosts/h/quantiles?q=half", 400, "'half' is not a number");
    refused("/v1/hosts/h/quantiles?q=NaN", 400, "NaN is not in (0, 1]");
    refused("/v1/hosts/h/quantiles?above=-1ms", 400, "above=-1ms is not a delay");
    refused("/v1/hosts/h/quantiles?above=10min", 400, "above=10min is not a delay");
    refused("/v1/hosts/h/quantiles?above=99999999999999s", 400, "is above 11 days");
    refused("/v1/cgroups/quantiles?of=cpu_delay_avg", 400, "missing parameter path");
    refused("/v1/hosts/h/quantiles?from=2026-12-02T11:00:00Z", 400, "to");
    refused("/v1/hosts/h/quantiles?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z", 400, "retention");
    refused("/v1/hosts/h/quantiles?by=exits", 400, "unknown parameter by");
  }

  @Test
  void badRankingsAreRefusedWithTheReason() {
    refused("/v1/cgroups/top", 400, "missing parameter by");
    refused("/v1/cgroups/top?by=first_seen", 400, "is not a totals field, an average or a quantile");
    refused("/v1/cgroups/top?by=p99(cpu_delay_total)", 400, "not a delay observation; one of cpu_delay_avg");
    refused("/v1/cgroups/top?by=p0(cpu_delay_avg)", 400, "a quantile must be above 0");
    refused("/v1/cgroups/top?by=p99.9(cpu_delay_avg)", 400, "pNN(observation)");
    refused("/v1/cgroups/top?by=exits_avg", 400, "cpu_delay_avg");
    refused("/v1/cgroups/top?by=exits&limit=0", 400, "limit must be 1 to 10000");
    refused("/v1/cgroups/top?by=exits&limit=ten", 400, "not a whole number");
    refused("/v1/pods/top?by=exits", 404, "no top for 'pods'");
    refused("/v1/cgroups/top?by=exits&from=2026-12-02T11:00:00Z", 400, "from and to go together");
    refused("/v1/cgroups/top?by=exits&from=2026-12-02T11:00:00Z&to=2026-12-02T11:00:00Z", 400, "must be before");
    refused("/v1/cgroups/top?by=exits&from=2026-12-02T11:00:00Z&to=2026-12-02T10:00:00Z", 400, "must be before");
    refused("/v1/cgroups/top?by=exits&from=noon&to=2026-12-02T10:00:00Z", 400, "is not a time");
    refused("/v1/cgroups/top?by=exits&from=2026-11-20T00:00:00Z&to=2026-11-25T12:00:00Z", 400,
        "before the retention window starts (2026-11-25T12:00:00Z: windows are kept for 7 days)");
    refused("/v1/cgroups/top?by=exits&by=cpu_count", 400, "given twice");
  }

  @Test
  void aRangeThatStartsBeforeTheRetentionButEndsAfterItIsAnswered() throws BadRequest {
    assertThat(((Query.Top) route("/v1/cgroups/top?by=exits&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z"))
        .range()).isPresent();
  }

  @Test
  void aForwardedRequestCarriesTheStorePartitionsToRead() throws BadRequest {
    Routes.Parsed p = ROUTES.parse(URI.create("/v1/cgroups/top?by=exits&partitions=totals-by-cgroup%3A0%2C3"));
    assertThat(p.route()).isInstanceOf(Query.Top.class);
    assertThat(p.scope()).contains(new Scope(Map.of("totals-by-cgroup", Set.of(0, 3))));
    assertThat(ROUTES.parse(URI.create("/v1/agents")).scope()).isEmpty();
    refused("/v1/agents?partitions=agent-status", 400, "is not store:partition");
    refused("/v1/agents?partitions=agent-status:x", 400, "not a partition number");
    refused("/v1/agents?partitions=agent-status:-1", 400, "not a partition number");
  }

  @Test
  void scopesRoundTrip() throws BadRequest {
    Scope s = new Scope(Map.of("agent-status", Set.of(1, 0), "instance-progress", Set.of(2)));
    assertThat(s.encode()).isEqualTo("agent-status:0,1;instance-progress:2");
    assertThat(Scope.parse(s.encode())).isEqualTo(s);
  }

  @Test
  void everythingElseIsNotFound() {
    refused("/v2/agents", 404, "the API is under /v1");
    refused("/v1/hosts", 404, "no such resource");
    refused("/v1/hosts/h/cgroups", 404, "no such resource");
    refused("/v1/hosts/h/other", 404, "no such resource");
  }

  private static int position(String field) {
    return io.fleetacct.streams.topology.Totals.position(field);
  }
}
