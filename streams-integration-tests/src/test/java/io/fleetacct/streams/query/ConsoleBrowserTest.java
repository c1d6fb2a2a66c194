package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in headless Chromium against a running streams application with known data: the
 * top table ranks the cgroups of the chosen range (the last 15 minutes leave out an older cgroup
 * that leads all-time and over the last hour); the stacked chart shows the top cgroups minute by
 * minute; a click on a row opens its chart and the hosts it ran on, and a host opens its cgroups;
 * unhealthy agents are highlighted (a healthy one without delay accounting is not: a note says it
 * once); charts label their axes in readable steps, and a kind with no delay says why instead of
 * drawing an empty axis; new data appears without a reload; another delay kind
 * re-ranks. Screenshots (desktop and phone) are kept in target/console/ as test artifacts.
 */
@WithKafkaBroker
@IntegrationTest
class ConsoleBrowserTest {

  private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
  private static final Path ARTIFACTS = Path.of("target", "console");
  private static final int MINUTES = 6;

  @TempDir Path state;
  @TempDir Path profile;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  /** One known cgroup: per exit, the CPU delay and the number of delays it sums. */
  private record Cgroup(String path, long cpuDelayTotal, long cpuCount) {}

  /** Exits of console-host, one per cgroup and minute over the last minutes. */
  private static final List<Cgroup> CGROUPS = List.of(
      new Cgroup("/fleet/alpha", 5_000_000_000L, 10),  // 6 exits: 30.0 s over 60 events, 500 ms each
      new Cgroup("/fleet/beta", 2_000_000_000L, 8),    // 12.0 s over 48, 250 ms
      new Cgroup("/fleet/gamma", 500_000_000L, 1));    // 3.0 s over 6, 500 ms
  /** host-b's share of alpha, one exit a minute: 6.0 s over 24 events, 250 ms. */
  private static final Cgroup ALPHA_ON_B = new Cgroup("/fleet/alpha", 1_000_000_000L, 4);
  /** One exit 40 minutes ago: first all-time and over the last hour, absent from the last 15 minutes. */
  private static final Cgroup EPSILON = new Cgroup("/fleet/epsilon", 90_000_000_000L, 10);

  @Test
  void consoleRanksTheChosenRangeDrillsDownAndShowsTheUnhealthyAgent(EmbeddedKafkaBroker broker) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM
        + " (Debian: apt-get install chromium; .ci/run installs it; CHROMIUM=path overrides)");
    String app = "console-" + UUID.randomUUID().toString().substring(0, 8);
    FleetacctTopology.Config t = new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    try (StreamsApp streams = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app, state,
        "127.0.0.1", 0, "127.0.0.1", 0, t, 1, extra))) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(60))).isTrue();
      Instant now = Instant.now();
      Instant first = now.minus(MINUTES + 2, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MINUTES);
      List<ProducerRecord<String, byte[]>> exits = new ArrayList<>();
      exits.add(exit("console-host", "agent-ok", 0, EPSILON, now.minus(40, ChronoUnit.MINUTES), app));
      long seq = 1;
      for (int minute = 0; minute < MINUTES; minute++) {
        Instant at = first.plus(minute, ChronoUnit.MINUTES).plusSeconds(30);
        for (Cgroup c : CGROUPS) {
          exits.add(exit("console-host", "agent-ok", seq++, c, at, app));
        }
        exits.add(exit("host-b", "agent-b", minute, ALPHA_ON_B, at, app));
      }
      // A third host whose agent lost records (a sequence gap) and went quiet 10 minutes ago.
      Cgroup delta = new Cgroup("/fleet/delta", 1_000L, 1);
      exits.add(exit("stale-host", "agent-stale", 0, delta, first, app));
      exits.add(exit("stale-host", "agent-stale", 5, delta, first.plusSeconds(1), app));
      // In time order, as agents send them: none falls behind the windows' grace period.
      exits.sort(Comparator.comparing(ProducerRecord::timestamp));
      try (KafkaProducer<String, byte[]> p = producer(broker)) {
        exits.forEach(p::send);
        p.send(status("console-host", "agent-ok", now, null, false, app)); // healthy, CPU delays only
        p.send(status("host-b", "agent-b", now, 300_000L, true, app)); // its clock 5 minutes behind the broker's
        p.send(status("stale-host", "agent-stale", now.minus(10, ChronoUnit.MINUTES), null, true, app));
        AgentStatus stopped = SampleRecords.fullAgentStatus(); // stopped cleanly 20 minutes ago: not trouble
        stopped.setHost("stopped-host");
        stopped.setSentAt(now.minus(20, ChronoUnit.MINUTES));
        stopped.setStoppedAt(now.minus(20, ChronoUnit.MINUTES));
        stopped.setKernelOverflowEvents(0);
        stopped.setKernelSequenceGaps(0);
        stopped.setDropped(0);
        stopped.setDecodeErrors(0);
        p.send(new ProducerRecord<>(app + ".status", "stopped-host", FleetacctSerdes.agentStatus().serialize(app, stopped)));
        p.flush();
      }
      awaitCounted(streams.url() + "/v1/cgroups/totals?path=/fleet/alpha", 2 * MINUTES);
      awaitCounted(streams.url() + "/v1/cgroups/totals?path=/fleet/gamma", MINUTES);
      awaitCounted(streams.url() + "/v1/cgroups/totals?path=/fleet/delta", 2);
      awaitCounted(streams.url() + "/v1/cgroups/totals?path=/fleet/epsilon", 1);
      assertThat(keys(streams.url() + "/v1/cgroups/top?by=cpu_delay_total&limit=20")).as("all-time ranking")
          .containsExactly("/fleet/epsilon", "/fleet/alpha", "/fleet/beta", "/fleet/gamma", "/fleet/delta");

      HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(streams.url() + "/console/app.js"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(js.statusCode()).isEqualTo(200);
      assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
      assertThat(js.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
          v -> assertThat(v).startsWith("default-src 'self'"));

      try (HeadlessChromium chromium = HeadlessChromium.start(CHROMIUM, profile);
           KafkaProducer<String, byte[]> p = producer(broker)) {
        chromium.viewport(1280, 1000, false);
        chromium.navigate(streams.url() + "/#dim=cgroups&kind=cpu&range=15");
        chromium.await("document.body.dataset.loaded === 'true'", Duration.ofSeconds(30));

        assertThat(text(chromium, "top-title")).isEqualTo("Top cgroups by CPU delay, last 15 min");
        assertThat(rows(chromium, "#top")).as("top cgroups of the last 15 minutes, largest CPU delay first")
            .containsExactly(
                List.of("/fleet/alpha", "36.0 s", "84", "429 ms", "12"),
                List.of("/fleet/beta", "12.0 s", "48", "250 ms", "6"),
                List.of("/fleet/gamma", "3.0 s", "6", "500 ms", "6"),
                List.of("/fleet/delta", "2.0 µs", "2", "1.0 µs", "2"));
        assertThat(chromium.eval("document.getElementById('detail').hidden").asBoolean()).as("no chart yet").isTrue();

        // The stacked chart: the top cgroups, one bar a minute each, and what each bar says.
        assertThat(list(chromium, "#stack .legend li", "e.dataset.key"))
            .containsExactly("/fleet/alpha", "/fleet/beta", "/fleet/gamma", "/fleet/delta");
        assertThat(list(chromium, "#stack rect.s", "e.dataset.key").stream()
            .collect(Collectors.groupingBy(k -> k, Collectors.counting()))).as("bars by key").isEqualTo(Map.of(
                "/fleet/alpha", (long) MINUTES, "/fleet/beta", (long) MINUTES, "/fleet/gamma", (long) MINUTES,
                "/fleet/delta", 1L));
        assertThat(list(chromium, "#stack rect.s[data-key=\"/fleet/alpha\"] title", "e.textContent"))
            .as("alpha's bars: 5 s on console-host plus 1 s on host-b each minute")
            .hasSize(MINUTES).allSatisfy(title -> assertThat(title).endsWith(": 6.0 s"));

        // A click on a row opens its per-minute chart and its hosts, and puts the row in the address.
        chromium.eval("document.querySelector('#top tbody tr[data-key=\"/fleet/alpha\"]').click()");
        chromium.await("document.querySelectorAll('#chart rect.b').length > 0"
            + " && document.querySelectorAll('#drill-table tbody tr').length > 0", Duration.ofSeconds(30));
        assertThat(chromium.eval("document.querySelectorAll('#chart rect.b').length").asInt())
            .as("one bar per minute with exits").isEqualTo(MINUTES);
        assertThat(text(chromium, "detail-title")).isEqualTo("/fleet/alpha: CPU delay per minute, last 15 min");
        assertThat(chromium.eval("[...document.querySelectorAll('#detail-facts dd')].slice(0, 3)"
            + ".map(d => d.textContent).join(' | ')").asText()).isEqualTo("36.0 s | 84 | 429 ms");
        assertThat(chromium.eval("location.hash").asText()).contains("key=%2Ffleet%2Falpha");
        assertThat(list(chromium, "#chart text.tick.y", "e.textContent")).as("alpha's axis: 6 s a minute at most,"
            + " in steps of 2 s").containsExactly("0", "2.0 s", "4.0 s", "6.0 s");
        assertThat(list(chromium, "#stack text.tick.x", "e.textContent")).as("time ticks on whole minutes")
            .isNotEmpty().allSatisfy(label -> assertThat(label).matches("\\d\\d:\\d[05]( [AP]M)?"));
        assertThat(text(chromium, "drill-title")).isEqualTo("Hosts of /fleet/alpha, last 15 min");
        assertThat(rows(chromium, "#drill-table")).as("the hosts alpha ran on").containsExactly(
            List.of("console-host", "30.0 s", "60", "500 ms", "6"),
            List.of("host-b", "6.0 s", "24", "250 ms", "6"));

        // Its wait per event over exits: 6 exits at 500 ms (console-host), 6 at 250 ms (host-b).
        chromium.await("document.querySelectorAll('#quantiles rect.q').length === 3", Duration.ofSeconds(30));
        assertThat(text(chromium, "quantiles-title")).isEqualTo("CPU wait per event over exits, last 15 min");
        assertThat(list(chromium, "#quantiles text.qval", "e.dataset.q + ' ' + e.dataset.ns"))
            .satisfiesExactly(
                p50 -> assertNanos(p50, "p50", 250_000_000),
                p90 -> assertNanos(p90, "p90", 500_000_000),
                p99 -> assertNanos(p99, "p99", 500_000_000));
        assertThat(text(chromium, "quantiles-note")).startsWith("over 12 of 12 exits");

        // Ranked by p99 of wait per event instead: alpha and gamma wait 500 ms (a tie, by key), beta 250 ms.
        select(chromium, "rank", "p99");
        chromium.await("document.getElementById('top-bar').textContent === 'p99 wait per event'"
            + " && document.body.dataset.loaded === 'true'", Duration.ofSeconds(30));
        chromium.await("document.getElementById('top-title').textContent.includes('p99')", Duration.ofSeconds(30));
        assertThat(list(chromium, "#top tbody tr", "e.dataset.key")).containsExactly(
            "/fleet/alpha", "/fleet/gamma", "/fleet/beta", "/fleet/delta");
        assertThat(chromium.eval("location.hash").asText()).contains("rank=p99");
        chromium.await("document.getElementById('drill-bar').textContent === 'p99 wait per event'",
            Duration.ofSeconds(30));
        assertThat(list(chromium, "#drill-table tbody tr", "e.dataset.key")).as("alpha's hosts by p99: 500 ms, 250 ms")
            .containsExactly("console-host", "host-b");
        select(chromium, "rank", "total");
        chromium.await("document.getElementById('top-bar').textContent === 'total delay'", Duration.ofSeconds(30));

        assertThat(rows(chromium, "#agents")).as("agents").hasSize(4);
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"stopped-host\"]').className")
            .asText()).as("an agent that stopped cleanly is not trouble").isEmpty();
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"stopped-host\"] td:nth-child(2)')"
            + ".textContent").asText()).isEqualTo("20 min ago (stopped)");
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"stale-host\"]').className")
            .asText()).as("the agent with a gap that went quiet is highlighted").isEqualTo("problem");
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"console-host\"]').className")
            .asText()).as("the healthy agent is not, though its delay accounting is off").isEmpty();
        assertThat(text(chromium, "agents-note")).as("said once, under the table").startsWith(
            "Delay accounting is off on console-host: only CPU delays are collected there");
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"host-b\"] td:nth-child(9)')"
            + ".textContent").asText()).as("host-b's clock").isEqualTo("5.0 min behind");
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"host-b\"]').className")
            .asText()).as("a clock minutes off is trouble").isEqualTo("problem");
        assertThat(text(chromium, "top-complete")).as("the range waits for the host that went quiet, only it")
            .startsWith("Incomplete: still waiting for stale-host (delivered up to ").doesNotContain("host-b");
        assertThat(chromium.eval("document.querySelector('#agents tr[data-host=\"stale-host\"] td:nth-child(8)')"
            + ".textContent").asText()).as("how far the quiet host's deliveries lag").isEqualTo("10 min ago");

        Files.createDirectories(ARTIFACTS);
        Path desktop = ARTIFACTS.resolve("console-desktop.png").toAbsolutePath();
        chromium.screenshot(desktop);
        chromium.viewport(390, 844, true);
        chromium.await("getComputedStyle(document.querySelector('#top th.mid')).display === 'none'",
            Duration.ofSeconds(10));
        Path phone = ARTIFACTS.resolve("console-phone.png").toAbsolutePath();
        chromium.screenshot(phone);
        assertThat(Files.size(desktop)).as("desktop screenshot").isGreaterThan(10_000);
        assertThat(Files.size(phone)).as("phone screenshot").isGreaterThan(10_000);
        System.out.println("console screenshots: " + desktop + ", " + phone);
        chromium.viewport(1280, 1000, false);

        // It refreshes on its own: a new exit puts beta on top without a reload.
        p.send(exit("console-host", "agent-ok", seq, new Cgroup("/fleet/beta", 30_000_000_000L, 30), now, app));
        p.flush();
        chromium.await("document.querySelector('#top tbody tr').dataset.key === '/fleet/beta'", Duration.ofSeconds(40));
        assertThat(rows(chromium, "#top").get(0)).containsExactly("/fleet/beta", "42.0 s", "78", "538 ms", "7");

        // The last hour holds epsilon too, which leads it.
        choose(chromium, "range", "60");
        chromium.await("document.getElementById('top-title').textContent.endsWith('last 1 h')"
            + " && document.querySelector('#top tbody tr').dataset.key === '/fleet/epsilon'", Duration.ofSeconds(10));
        assertThat(rows(chromium, "#top").get(0)).containsExactly("/fleet/epsilon", "1.5 min", "10", "9.0 s", "1");
        choose(chromium, "range", "15");

        // A host in the drill-down opens that host, with its cgroups.
        chromium.await("document.getElementById('drill-title').textContent.endsWith('last 15 min')",
            Duration.ofSeconds(10));
        chromium.eval("document.querySelector('#drill-table tbody tr[data-key=\"host-b\"]').click()");
        chromium.await("document.getElementById('drill-title').textContent === 'Cgroups of host-b, last 15 min'",
            Duration.ofSeconds(10));
        assertThat(chromium.eval("location.hash").asText()).contains("dim=hosts").contains("key=host-b");
        assertThat(rows(chromium, "#drill-table")).as("host-b's cgroups")
            .containsExactly(List.of("/fleet/alpha", "6.0 s", "24", "250 ms", "6"));

        // A command opens its threads, a pool's numbered threads as one row.
        chromium.eval("location.hash = '#dim=commands&kind=cpu&range=15&key=svc'");
        chromium.await("document.getElementById('drill-title').textContent === 'Threads of svc, last 15 min'"
            + " && document.querySelectorAll('#drill-table tbody tr').length === 2", Duration.ofSeconds(10));
        assertThat(keys(streams.url() + "/v1/commands/top?by=exits&limit=20")).as("no thread name is a command")
            .containsExactly("svc");
        assertThat(rows(chromium, "#drill-table")).as("svc's threads: its main threads (beta's, with the late"
            + " one, gamma's, delta's), then alpha's pool").containsExactly(
            List.of("svc", "45.0 s", "86", "523 ms", "15"),
            List.of("pool-*-thread-*", "36.0 s", "84", "429 ms", "12"));

        // Another delay kind re-ranks by that kind.
        choose(chromium, "kind", "blkio");
        chromium.await("document.getElementById('top-title').textContent.includes('block IO')", Duration.ofSeconds(10));
        // A kind nothing waited for says so, and why it may be, instead of a "1 ns" axis over zeros.
        choose(chromium, "kind", "thrashing");
        chromium.await("document.querySelector('#chart text.empty') !== null", Duration.ofSeconds(10));
        assertThat(text(chromium, "chart")).isEqualTo("no thrashing delay: delay accounting is off on console-host"
            + " (CPU delays only)");
        assertThat(chromium.eval("[...document.querySelectorAll('svg text')].some(t => t.textContent === '1 ns')")
            .asBoolean()).isFalse();

        // Any range as the API writes it: last=90m in the URL.
        chromium.eval("location.hash = '#dim=cgroups&kind=cpu&last=1h30m'");
        chromium.await("document.getElementById('top-title').textContent.endsWith('last 1 h 30 min')"
            + " && document.getElementById('range').value === '90'", Duration.ofSeconds(10));
      }
    }
  }

  private static void choose(HeadlessChromium chromium, String select, String value) throws Exception {
    chromium.eval("{ const s = document.getElementById('" + select + "'); s.value = '" + value + "';"
        + " s.dispatchEvent(new Event('change')); }");
  }

  private static String text(HeadlessChromium chromium, String id) throws Exception {
    return chromium.eval("document.getElementById('" + id + "').textContent").asText();
  }

  /** {@code expression} (of {@code e}) for each element that {@code selector} finds. */
  private List<String> list(HeadlessChromium chromium, String selector, String expression) throws Exception {
    JsonNode items = json.readTree(chromium.eval("JSON.stringify([...document.querySelectorAll('" + selector
        + "')].map(e => " + expression + "))").asText());
    List<String> out = new ArrayList<>();
    items.forEach(i -> out.add(i.asText()));
    return out;
  }

  /** The keys of a ranking answered by the API. */
  private List<String> keys(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    json.readTree(r.body()).get("rows").forEach(row -> out.add(row.get("key").asText()));
    return out;
  }

  private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
  }

  /** The visible text of each cell of each body row of a table. */
  private List<List<String>> rows(HeadlessChromium chromium, String table) throws Exception {
    JsonNode rows = json.readTree(chromium.eval("JSON.stringify([...document.querySelectorAll('" + table
        + " tbody tr')].map(tr => [...tr.cells].map(td => td.textContent.trim())))").asText());
    List<List<String>> out = new ArrayList<>();
    for (JsonNode r : rows) {
      List<String> cells = new ArrayList<>();
      r.forEach(c -> cells.add(c.asText()));
      out.add(cells);
    }
    return out;
  }

  private static ProducerRecord<String, byte[]> exit(String host, String instance, long seq, Cgroup c, Instant at,
                                                     String app) {
    TaskExit e = SampleRecords.singleThreadedExit(seq);
    e.setHost(host);
    e.setAgentInstance(instance);
    e.setAgentSeq(seq);
    e.setCgroup(c.path());
    e.setReceivedAt(at);
    TaskStats s = SampleRecords.fullTaskStats();
    s.setVersion(16);
    // alpha's are the threads of a pool of the program svc; the rest svc's main threads
    s.setAcComm(c.path().equals("/fleet/alpha") ? "pool-1-thread-" + seq : "svc");
    s.setAcFlag(0x20);
    s.setCpuDelayTotal(c.cpuDelayTotal());
    s.setCpuCount(c.cpuCount());
    s.setThrashingCount(0); // a kind nothing waited for
    s.setThrashingDelayTotal(0);
    s.setThrashingDelayMax(0);
    s.setThrashingDelayMin(0);
    e.setTask(s);
    e.setThreadGroup(null);
    e.setCommand("svc");
    return new ProducerRecord<>(app + ".exits", null, at.toEpochMilli(), host,
        FleetacctSerdes.taskExit().serialize(app, e));
  }

  private static ProducerRecord<String, byte[]> status(String host, String instance, Instant sentAt,
                                                       Long clockOffsetMs, boolean delayacct, String app) {
    AgentStatus s = SampleRecords.fullAgentStatus();
    s.setHost(host);
    s.setAgentInstance(instance);
    s.setSentAt(sentAt);
    s.setDeliveredUntil(sentAt);
    s.setHighestSeqSent(-1); // claims no record the streams side has not counted
    s.setClockOffsetMs(clockOffsetMs);
    s.setClockOffsetErrorMs(clockOffsetMs == null ? null : 3L);
    s.setDelayacctEnabled(delayacct);
    s.setKernelOverflowEvents(0);
    s.setKernelSequenceGaps(0);
    s.setDropped(0);
    s.setDecodeErrors(0);
    return new ProducerRecord<>(app + ".status", host, FleetacctSerdes.agentStatus().serialize(app, s));
  }

  private void awaitCounted(String url, long exits) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonNode n = json.readTree(r.body());
        if (n.get("exits").asLong() == exits) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " did not count " + exits + " exits within 60 s");
  }

  /** Chooses {@code value} in the select {@code id}, as a user does. */
  private static void select(HeadlessChromium chromium, String id, String value) throws Exception {
    chromium.eval("(() => { const s = document.getElementById('" + id + "'); s.value = '" + value + "';"
        + " s.dispatchEvent(new Event('change')); })()");
  }

  /** A quantile shown as "label ns": the label, and the value within the sketches' 1%. */
  private static void assertNanos(String shown, String label, double exact) {
    String[] parts = shown.split(" ");
    assertThat(parts[0]).isEqualTo(label);
    assertThat(Double.parseDouble(parts[1])).as(shown).isCloseTo(exact, within(exact * 0.01));
  }
}
