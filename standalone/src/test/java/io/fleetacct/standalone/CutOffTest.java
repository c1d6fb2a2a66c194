package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.standalone.testing.AgentArgs;
import io.fleetacct.standalone.testing.AgentStops;
import io.fleetacct.standalone.testing.CutOffProxy;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real agents under distinct host names see the same exits of one workload. Agent b reaches
 * Kafka through a proxy that the test cuts (b is not stopped: its kernel sockets keep receiving,
 * its records go to its spool) for many windows while a streams on; b is restarted during the
 * cut-off; later the whole fleet loses Kafka (the broker frozen), and after it b comes back later
 * than a. Windows are 5 s here so that the cut-offs span many of them in little time.
 *
 * <p>While b is cut off, a range that ends after its watermark says incomplete and names b, and
 * only b. After both drained: every host's windows hold exactly the records the agent delivered,
 * window by window by their own times; the fleet-wide program windows are the two hosts' sums; the
 * ranged answers equal the all-time ones and say complete; Kafka Streams dropped nothing and no
 * record fell outside the windows.
 */
@IntegrationTest
class CutOffTest {

  private static final Duration WINDOW = Duration.ofSeconds(5);

  @TempDir Path dir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void exitsOfACutOffHostLandInTheirWindowsAndAnswersSayWhenTheRangeIsComplete() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 6);
    String prefix = "co" + id.substring(0, 4);
    String app = "cutoff-" + id;
    String hostA = "cut-a-" + id;
    String hostB = "cut-b-" + id;
    AtomicBoolean loadOn = new AtomicBoolean(true);
    Thread load = new Thread(() -> {
      while (loadOn.get()) {
        Workload.run(10, prefix, null);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fork-load");
    int[] two = LoopbackPorts.free(2);
    int extraPort = two[0];
    int proxyPort = two[1];
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
             .extraListener(new EmbeddedKafkaBroker.ExtraListener(extraPort, proxyPort)).build().start();
         CutOffProxy proxy = CutOffProxy.start(proxyPort, extraPort);
         StreamsApp streams = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app,
             Files.createDirectories(dir.resolve("streams")), "127.0.0.1", 0, "127.0.0.1", 0,
             new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq", app + ".", WINDOW,
                 Duration.ofDays(7)), 2, new Properties()))) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(60))).as("streams running").isTrue();
      String url = streams.url();
      int metricsA = LoopbackPorts.free();
      int metricsB = LoopbackPorts.free();
      Path logA = dir.resolve("agent-a.log");
      Path logB = dir.resolve("agent-b.log");
      String[] argsA = AgentArgs.run(broker.bootstrapServers(), app, Files.createDirectories(dir.resolve("spool-a")),
          metricsA, hostA, "--sample-interval", "0", "--shutdown-timeout", "5");
      String[] argsB = AgentArgs.run("127.0.0.1:" + proxyPort, app, Files.createDirectories(dir.resolve("spool-b")),
          metricsB, hostB, "--sample-interval", "0", "--shutdown-timeout", "5");
      ChildJvm a = ChildJvm.start("agent a", AgentCli.class, logA, argsA);
      ChildJvm b = ChildJvm.start("agent b", AgentCli.class, logB, argsB);
      Instant cutAt;
      try {
        for (int port : new int[] {metricsA, metricsB}) {
          Http.await("agent healthy", Duration.ofSeconds(60),
              () -> Http.status("http://127.0.0.1:" + port + "/healthz") == 200);
        }
        load.start();
        Thread.sleep(6_000);

        // b cut off, restarted in the middle of it (its stop saves to the spool), cut off on.
        proxy.cut();
        cutAt = Instant.now();
        Thread.sleep(6_000);
        AgentStops.Stop stopped = AgentStops.stop(b, logB);
        assertThat(stopped.dropped()).isZero();
        b = ChildJvm.start("agent b (restarted, still cut off)", AgentCli.class, logB, argsB);
        AgentStops.awaitRegistered(logB);
        Thread.sleep(6_000);
        String during = url + "/v1/hosts/top?by=exits&limit=10&from=" + cutAt.minusSeconds(10) + "&to="
            + cutAt.plusSeconds(3);
        Http.await("a's watermark past the range", Duration.ofSeconds(20),
            () -> Http.answer(during).get("behind").size() == 1);
        JsonNode cut = Http.answer(during);
        assertThat(cut.get("complete").asBoolean()).as("during the cut-off: %s", cut).isFalse();
        assertThat(cut.get("behind").get(0).get("host").asText()).as("the host behind").isEqualTo(hostB);
        assertThat(Instant.parse(cut.get("behind").get(0).get("delivered_until").asText()))
            .as("b's watermark: its oldest record not delivered, from before the cut").isBefore(cutAt.plusSeconds(3));
        proxy.restore();
        Thread.sleep(6_000);

        // The whole fleet loses Kafka; when it is back, b stays away 5 s longer.
        broker.freeze();
        Thread.sleep(8_000);
        proxy.cut();
        broker.thaw();
        Thread.sleep(5_000);
        proxy.restore();
        Thread.sleep(3_000);
        loadOn.set(false);
        load.join(60_000);
        for (int port : new int[] {metricsA, metricsB}) {
          String m = "http://127.0.0.1:" + port;
          Http.await("spool of the agent on " + port + " drained", Duration.ofSeconds(120),
              () -> Http.metric(m, "fleetacct_agent_spool_records") == 0
                  && Http.metric(m, "fleetacct_agent_queue_records") == 0);
        }
        Thread.sleep(1_500); // the last exits of the workload received and sent
        assertThat(AgentStops.stop(a, logA).dropped()).isZero();
        assertThat(AgentStops.stop(b, logB).dropped()).isZero();
      } finally {
        loadOn.set(false);
        load.interrupt();
        a.close();
        b.close();
      }

      // What the agents delivered, each record once, by host and window.
      List<TaskExit> delivered = Topics.readAll(broker.bootstrapServers(), app + ".exits", FleetacctSerdes.taskExit(),
          got -> true, Duration.ofSeconds(60));
      Map<String, TaskExit> once = new HashMap<>();
      delivered.forEach(e -> once.putIfAbsent(e.getAgentInstance() + "/" + e.getAgentSeq(), e));
      Map<String, Map<Instant, Long>> byHost = new HashMap<>();
      Map<String, Map<Instant, Long>> byProgram = new HashMap<>();
      Instant first = Instant.MAX;
      Instant last = Instant.MIN;
      for (TaskExit e : once.values()) {
        Instant w = windowOf(e.getReceivedAt());
        byHost.computeIfAbsent(e.getHost(), k -> new TreeMap<>()).merge(w, 1L, Long::sum);
        if (e.getCommand().startsWith(prefix)) {
          byProgram.computeIfAbsent(e.getCommand(), k -> new TreeMap<>()).merge(w, 1L, Long::sum);
        }
        first = first.isBefore(w) ? first : w;
        last = last.isAfter(w) ? last : w;
      }
      assertThat(byHost).containsOnlyKeys(hostA, hostB);
      assertThat(byProgram).as("the workload's programs").isNotEmpty();
      long total = once.size();
      Http.await("the tables count every record delivered", Duration.ofSeconds(120),
          () -> Http.json(url + "/v1/hosts/" + hostA + "/totals").path("exits").asLong()
              + Http.json(url + "/v1/hosts/" + hostB + "/totals").path("exits").asLong() == total);
      String range = "from=" + first + "&to=" + last.plus(WINDOW);
      JsonNode ranked = awaitRanged(url + "/v1/hosts/top?by=exits&limit=10&" + range, total);
      assertThat(ranked.get("complete").asBoolean()).as("after the drain: %s", ranked).isTrue();
      for (String host : List.of(hostA, hostB)) {
        long allTime = Http.answer(url + "/v1/hosts/" + host + "/totals").get("exits").asLong();
        assertThat(allTime).as("all-time exits of %s: each delivered record once", host)
            .isEqualTo(byHost.get(host).values().stream().mapToLong(Long::longValue).sum());
        assertThat(windows(url + "/v1/hosts/" + host + "/series?" + range))
            .as("windows of %s against its records' own times", host).isEqualTo(byHost.get(host));
        JsonNode agent = Http.agent(url, host);
        assertThat(agent.get("outside_windows_too_old").asLong() + agent.get("outside_windows_ahead").asLong())
            .as("records of %s outside the windows", host).isZero();
      }
      for (var p : byProgram.entrySet()) {
        assertThat(windows(url + "/v1/commands/" + enc(p.getKey()) + "/series?" + range))
            .as("fleet-wide windows of program %s: both hosts' exits", p.getKey()).isEqualTo(p.getValue());
      }
      assertThat(streams.droppedRecords()).as("Kafka Streams' own dropped-records").isZero();
    }
  }

  private static Instant windowOf(Instant t) {
    long w = WINDOW.toMillis();
    return Instant.ofEpochMilli(t.toEpochMilli() - Math.floorMod(t.toEpochMilli(), w));
  }

  /** A series answer as window start → exits, the windows with exits only. */
  private static Map<Instant, Long> windows(String url) throws Exception {
    Map<Instant, Long> out = new TreeMap<>();
    for (JsonNode w : Http.answer(url).get("windows")) {
      if (w.get("exits").asLong() > 0) {
        out.put(Instant.parse(w.get("start").asText()), w.get("exits").asLong());
      }
    }
    return out;
  }

  /** The ranged ranking once its rows sum to {@code exits}: rollups follow the windows by a commit. */
  private static JsonNode awaitRanged(String url, long exits) throws Exception {
    Http.await("the range holds every record", Duration.ofSeconds(60), () -> sum(Http.answer(url)) == exits);
    return Http.answer(url);
  }

  private static long sum(JsonNode ranked) {
    long s = 0;
    for (JsonNode r : ranked.get("rows")) {
      s += r.get("exits").asLong();
    }
    return s;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
