package io.fleetacct.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.testing.TwoInstances;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two application instances on a real broker: 10,000 synthetic exits over 100 hosts, 500 cgroups
 * and 50 commands; every key, asked of either instance, returns exactly the expected totals; top
 * is the same from both; and with one instance killed (SIGKILL) the other answers every key alone.
 */
@WithKafkaBroker
@IntegrationTest
class TwoInstancesTest {

  private static final int EXITS = 10_000;
  // Recent: the broker deletes records older than the topic retention (7 days) by their timestamps.
  private static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).minusSeconds(600);
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path stateA;
  @TempDir Path stateB;

  /** What the test expects of one key, counted independently of the topology's code. */
  static final class Expected {
    long exits;
    long processes;
    long cpuCount;
    long cpuDelayTotal;
    long acUtime;
    long cpuDelayMax;
  }

  private static TaskExit exit(int i) {
    TaskExit e = SampleRecords.singleThreadedExit(0);
    int host = i % 100;
    e.setHost("host-" + host);
    e.setAgentInstance("agent-" + host);
    e.setAgentSeq(i / 100);
    e.setCgroup("/fleet/svc-" + (i * 7 % 500));
    e.setReceivedAt(T0.plusMillis(i * 6L)); // 60 s in all
    TaskStats t = SampleRecords.fullTaskStats();
    t.setVersion(16);
    t.setAcComm("cmd-" + (i * 13 % 50));
    e.setCommand(t.getAcComm());
    t.setAcFlag(i % 3 == 0 ? 0 : 0x20);
    t.setCpuCount(1 + i % 17);
    t.setCpuDelayTotal(1_000L + i);
    t.setAcUtime(10L * (i % 101));
    t.setCpuDelayMax(500L + i % 997);
    e.setTask(t);
    if (i % 5 == 0) {
      e.setThreadGroup(SampleRecords.threadGroupAggregate()); // must never be added on top
    }
    return e;
  }

  private static void count(Map<String, Expected> m, String key, TaskExit e) {
    Expected x = m.computeIfAbsent(key, k -> new Expected());
    x.exits++;
    x.processes += (e.getTask().getAcFlag() & 0x20) != 0 ? 1 : 0;
    x.cpuCount += e.getTask().getCpuCount();
    x.cpuDelayTotal += e.getTask().getCpuDelayTotal();
    x.acUtime += e.getTask().getAcUtime();
    x.cpuDelayMax = Math.max(x.cpuDelayMax, e.getTask().getCpuDelayMax());
  }

  private StreamsApp start(EmbeddedKafkaBroker broker, String appId, Path state) throws Exception {
    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    return StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), appId, state, "127.0.0.1", 0,
        "127.0.0.1", 1, TwoInstances.topology(appId), 4, extra));
  }

  private JsonNode get(StreamsApp app, String pathAndQuery, int expectStatus) throws Exception {
    return TwoInstances.get(app.url(), pathAndQuery, expectStatus);
  }

  private JsonNode get(String url, String pathAndQuery, int expectStatus) throws Exception {
    return TwoInstances.get(url, pathAndQuery, expectStatus);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private void assertTotals(String url, String path, Expected x) throws Exception {
    JsonNode t = get(url, path, 200);
    assertThat(t.get("exits").asLong()).as("exits of %s", path).isEqualTo(x.exits);
    assertThat(t.get("processes").asLong()).as("processes of %s", path).isEqualTo(x.processes);
    assertThat(t.get("cpu_count").asLong()).as("cpu_count of %s", path).isEqualTo(x.cpuCount);
    assertThat(t.get("cpu_delay_total").asLong()).as("cpu_delay_total of %s", path).isEqualTo(x.cpuDelayTotal);
    assertThat(t.get("ac_utime").asLong()).as("ac_utime of %s", path).isEqualTo(x.acUtime);
    assertThat(t.get("cpu_delay_max").asLong()).as("cpu_delay_max of %s", path).isEqualTo(x.cpuDelayMax);
  }

  @Test
  void everyKeyFromEitherInstanceHasExactlyTheExpectedTotals(EmbeddedKafkaBroker broker) throws Exception {
    String appId = "two-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Expected> byHost = new HashMap<>();
    Map<String, Expected> byCgroup = new HashMap<>();
    Map<String, Expected> byHostCgroup = new HashMap<>();
    Map<String, Expected> byCommand = new HashMap<>();
    List<TaskExit> exits = new ArrayList<>();
    for (int i = 0; i < EXITS; i++) {
      TaskExit e = exit(i);
      count(byHost, e.getHost(), e);
      count(byCgroup, e.getCgroup(), e);
      count(byHostCgroup, e.getHost() + "\n" + e.getCgroup(), e);
      count(byCommand, e.getTask().getAcComm(), e);
      exits.add(e);
    }
    try (TwoInstances both = TwoInstances.start(broker, appId, stateA, stateB)) {
      StreamsApp a = both.a();
      String b = both.urlB();
      both.publish(exits);
      assertThat(byHost).hasSize(100);
      assertThat(byCgroup).hasSize(500);
      assertThat(byCommand).hasSize(50);

      // Wait until everything is counted: the sum over hosts, asked of A.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        // While the group rebalances the answer may be 503 (the contract): wait on, fail only on the deadline.
        HttpResponse<String> r = TwoInstances.send(a.url(), "/v1/hosts/top?by=exits&limit=100");
        assertThat(r.statusCode()).as("hosts/top while waiting: %s", r.body()).isIn(200, 503);
        long sum = 0;
        if (r.statusCode() == 200) {
          for (JsonNode n : json.readTree(r.body()).get("rows")) {
            sum += n.get("exits").asLong();
          }
        }
        if (sum == EXITS) {
          break;
        }
        Thread.sleep(250);
      }

      for (String app : List.of(a.url(), b)) {
        for (Map.Entry<String, Expected> e : byHost.entrySet()) {
          assertTotals(app, "/v1/hosts/" + enc(e.getKey()) + "/totals", e.getValue());
        }
        for (Map.Entry<String, Expected> e : byCgroup.entrySet()) {
          assertTotals(app, "/v1/cgroups/totals?path=" + enc(e.getKey()), e.getValue());
        }
        for (Map.Entry<String, Expected> e : byCommand.entrySet()) {
          assertTotals(app, "/v1/commands/" + enc(e.getKey()) + "/totals", e.getValue());
        }
        for (Map.Entry<String, Expected> e : byHostCgroup.entrySet()) {
          String[] hc = e.getKey().split("\n");
          assertTotals(app, "/v1/hosts/" + enc(hc[0]) + "/cgroups/totals?path=" + enc(hc[1]), e.getValue());
        }
      }
      for (String kind : List.of("hosts", "cgroups", "commands")) {
        for (String by : List.of("cpu_delay_total", "exits", "cpu_delay_max")) {
          String q = "/v1/" + kind + "/top?by=" + by + "&limit=25";
          JsonNode fromA = get(a.url(), q, 200).get("rows");
          assertThat(fromA).hasSize(25);
          assertThat(get(b, q, 200).get("rows")).as("top from both instances: %s", q).isEqualTo(fromA);
        }
      }
      JsonNode series = get(b, "/v1/hosts/host-7/series?from=" + T0 + "&to=" + T0.plusSeconds(300), 200);
      long inWindows = 0;
      for (JsonNode w : series.get("windows")) {
        inWindows += w.get("exits").asLong();
      }
      assertThat(inWindows).isEqualTo(byHost.get("host-7").exits);

      // One instance killed (SIGKILL, no goodbye to the group): the other answers every key alone,
      // from its standby replicas until the group notices (standby replicas = 1).
      both.killB();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      List<String> failing = new ArrayList<>();
      do {
        failing.clear();
        for (Map.Entry<String, Expected> e : byCgroup.entrySet()) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(a.url() + "/v1/cgroups/totals?path="
              + enc(e.getKey()))).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200 || json.readTree(r.body()).get("exits").asLong() != e.getValue().exits) {
            failing.add(e.getKey() + ": " + r.statusCode());
          }
        }
      } while (!failing.isEmpty() && System.nanoTime() < deadline && sleep(500));
      assertThat(failing).as("keys the survivor could not answer within 30 s").isEmpty();
      for (Map.Entry<String, Expected> e : byHost.entrySet()) {
        assertTotals(a.url(), "/v1/hosts/" + enc(e.getKey()) + "/totals", e.getValue());
      }
      for (Map.Entry<String, Expected> e : byCommand.entrySet()) {
        assertTotals(a.url(), "/v1/commands/" + enc(e.getKey()) + "/totals", e.getValue());
      }
    }
  }

  private static boolean sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return true;
  }

  @Test
  void badParametersAre400AndUnknownKeys404(EmbeddedKafkaBroker broker) throws Exception {
    String appId = "bad-" + UUID.randomUUID().toString().substring(0, 8);
    try (StreamsApp a = start(broker, appId, stateA)) {
      assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
      assertThat(get(a, "/v1/hosts/nobody/totals", 404).get("error").asText()).contains("nobody");
      assertThat(get(a, "/v1/cgroups/totals", 400).get("error").asText()).contains("missing parameter path");
      assertThat(get(a, "/v1/hosts/top?by=bogus", 400).get("error").asText()).contains("not a totals field");
      assertThat(get(a, "/v1/hosts/top?by=exits&limit=0", 400).get("error").asText()).contains("limit");
      assertThat(get(a, "/v1/hosts/top?by=exits&limit=x", 400).get("error").asText()).contains("whole number");
      assertThat(get(a, "/v1/hosts/h/series?from=yesterday&to=now", 400).get("error").asText()).contains("ISO-8601");
      assertThat(get(a, "/v1/hosts/h/series?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z", 400)
          .get("error").asText()).contains("before");
      assertThat(get(a, "/v1/nothing", 404).get("error").asText()).contains("no such resource");
      assertThat(get(a, "/v1/agents", 200).isArray()).isTrue();
      assertThat(get(a, "/healthz", 200).get("state").asText()).isEqualTo("RUNNING");
    }
  }
}
