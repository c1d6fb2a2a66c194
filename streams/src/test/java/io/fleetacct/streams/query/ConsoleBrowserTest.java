package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.WithKafkaBroker;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in headless Chromium against a running streams application with known data:
 * the top table ranks the cgroups with the expected delays, a row's chart has one bar per minute
 * with exits, unhealthy agents are highlighted. Screenshots (desktop and phone) are kept in
 * target/console/ as test artifacts.
 */
@WithKafkaBroker
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

  private static final List<Cgroup> CGROUPS = List.of(
      new Cgroup("/fleet/alpha", 5_000_000_000L, 10),  // 6 exits: 30.0 s over 60 events, 500 ms each
      new Cgroup("/fleet/beta", 2_000_000_000L, 8),    // 12.0 s over 48, 250 ms
      new Cgroup("/fleet/gamma", 500_000_000L, 1));    // 3.0 s over 6, 500 ms

  @Test
  void consoleShowsTheTopCgroupsAChartAndTheUnhealthyAgent(EmbeddedKafkaBroker broker) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM
        + " (Debian: apt-get install chromium; .ci/run installs it; CHROMIUM=path overrides)");
    String app = "console-" + UUID.randomUUID().toString().substring(0, 8);
    FleetacctTopology.Config t = new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofDays(7));
    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    try (StreamsApp streams = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app, state,
        "127.0.0.1", 0, "127.0.0.1", 0, t, 1, extra))) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(60))).isTrue();
      Instant now = Instant.now();
      Instant first = now.minus(MINUTES + 2, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MINUTES);
      try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
          new StringSerializer(), new ByteArraySerializer())) {
        long seq = 0;
        for (int minute = 0; minute < MINUTES; minute++) {
          Instant at = first.plus(minute, ChronoUnit.MINUTES).plusSeconds(30);
          for (Cgroup c : CGROUPS) {
            p.send(exit("console-host", "agent-ok", seq++, c, at, app));
          }
        }
        // A second host whose agent lost records (a sequence gap) and went quiet 10 minutes ago.
        Cgroup other = new Cgroup("/fleet/delta", 1_000L, 1);
        p.send(exit("stale-host", "agent-stale", 0, other, first, app));
        p.send(exit("stale-host", "agent-stale", 5, other, first.plusSeconds(1), app));
        p.send(status("console-host", "agent-ok", now, app));
        p.send(status("stale-host", "agent-stale", now.minus(10, ChronoUnit.MINUTES), app));
        p.flush();
      }
      awaitCounted(streams.url() + "/v1/cgroups/totals?path=/fleet/gamma", MINUTES);
      awaitCounted(streams.url() + "/v1/cgroups/totals?path=/fleet/delta", 2);

      HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(streams.url() + "/console/app.js"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(js.statusCode()).isEqualTo(200);
      assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
      assertThat(js.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
          v -> assertThat(v).startsWith("default-src 'self'"));

      String view = streams.url() + "/#dim=cgroups&kind=cpu&range=60&key=" + "%2Ffleet%2Falpha";
      String dom = chromium("--dump-dom", "--window-size=1280,1000", view);
      assertThat(dom).as("the page loaded its data").contains("data-loaded=\"true\"");

      List<String> keys = all(dom, "<tr data-key=\"([^\"]+)\"");
      assertThat(keys).as("top cgroups by CPU delay, largest first")
          .containsExactly("/fleet/alpha", "/fleet/beta", "/fleet/gamma", "/fleet/delta");
      assertThat(cells(dom, "/fleet/alpha")).containsExactly("/fleet/alpha", "30.0 s", "60", "500 ms", "6");
      assertThat(cells(dom, "/fleet/beta")).containsExactly("/fleet/beta", "12.0 s", "48", "250 ms", "6");
      assertThat(cells(dom, "/fleet/gamma")).containsExactly("/fleet/gamma", "3.0 s", "6", "500 ms", "6");

      assertThat(dom).as("the chart's title").contains("/fleet/alpha: CPU delay per minute, last 1 h");
      assertThat(all(dom, "<rect class=\"b\"[^>]*data-start=\"([^\"]+)\"")).as("one bar per minute with exits")
          .hasSize(MINUTES);
      assertThat(dom).contains("<dd>30.0 s</dd>").contains("<dd>60</dd>"); // delay and events in range

      assertThat(dom).as("the agent with a gap that went quiet is highlighted")
          .containsPattern("<tr data-host=\"stale-host\" class=\"problem\">");
      assertThat(dom).as("the healthy agent is not")
          .containsPattern("<tr data-host=\"console-host\"( class=\"warn\")?>");

      Files.createDirectories(ARTIFACTS);
      Path desktop = ARTIFACTS.resolve("console-desktop.png").toAbsolutePath();
      Path phone = ARTIFACTS.resolve("console-phone.png").toAbsolutePath();
      chromium("--screenshot=" + desktop, "--window-size=1280,1100", view);
      chromium("--screenshot=" + phone, "--window-size=390,1400", view);
      assertThat(Files.size(desktop)).as("desktop screenshot").isGreaterThan(10_000);
      assertThat(Files.size(phone)).as("phone screenshot").isGreaterThan(10_000);
      System.out.println("console screenshots: " + desktop + ", " + phone);
    }
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
    s.setAcComm("svc");
    s.setAcFlag(0x20);
    s.setCpuDelayTotal(c.cpuDelayTotal());
    s.setCpuCount(c.cpuCount());
    e.setTask(s);
    e.setThreadGroup(null);
    return new ProducerRecord<>(app + ".exits", null, at.toEpochMilli(), host,
        FleetacctSerdes.taskExit().serialize(app, e));
  }

  private static ProducerRecord<String, byte[]> status(String host, String instance, Instant sentAt, String app) {
    AgentStatus s = SampleRecords.fullAgentStatus();
    s.setHost(host);
    s.setAgentInstance(instance);
    s.setSentAt(sentAt);
    s.setDelayacctEnabled(true);
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

  /** Runs headless Chromium on {@code url} with the flags this machine needs; its standard output. */
  private String chromium(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile, "--virtual-time-budget=15000"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("Chromium did not finish within 120 s");
    }
    assertThat(p.exitValue()).as("Chromium's exit status").isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private static List<String> all(String text, String regex) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  /** The visible text of each cell of the top table's row for {@code key}. */
  private static List<String> cells(String dom, String key) {
    Matcher row = Pattern.compile("<tr data-key=\"" + Pattern.quote(key) + "\"[^>]*>(.*?)</tr>", Pattern.DOTALL)
        .matcher(dom);
    assertThat(row.find()).as("a row for %s", key).isTrue();
    List<String> cells = new ArrayList<>();
    Matcher cell = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL).matcher(row.group(1));
    while (cell.find()) {
      cells.add(cell.group(1).replaceAll("<[^>]+>", "").trim());
    }
    return cells;
  }
}
