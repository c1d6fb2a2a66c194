package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.standalone.testing.AgentArgs;
import io.fleetacct.standalone.testing.ExitsTopic;
import io.fleetacct.standalone.testing.KernelAccount;
import io.fleetacct.standalone.testing.KernelTotals;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.CProgram;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live processes accounted while they live, consistently with their exits, through the real
 * kernel, agent, broker and streams application: the agent samples every second. Process A lives
 * 12 s beside two CPU hogs, with threads that start and exit on the way: every 5-second window of
 * its life shows CPU delay, and once it exited its totals equal the sum of its threads' exit
 * records (the test's own kernel listener) exactly, field by field. Process B lives through an
 * agent SIGKILL and restart on the same spool directory, paused meanwhile so that nothing of it is in
 * flight at the kill: its totals too equal its threads' exit records exactly, none lost, none twice.
 */
@IntegrationTest
class LiveSamplingTest {

  private static final Duration WINDOW = Duration.ofSeconds(5);

  @TempDir Path dir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void liveProcessesAreAccountedEverySecondAndAddUpToTheirExitsAcrossAnAgentKill() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 6);
    String prefix = "ls" + id.substring(0, 4);
    String commA = prefix + "a";
    String commB = prefix + "b";
    String app = "live-" + id;
    String host = "live-host-" + id;
    Path spool = Files.createDirectories(dir.resolve("spool"));
    Path agentLog = dir.resolve("agent.log");
    Path live = CProgram.binary("live");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
         KernelAccount truth = KernelAccount.start(prefix);
         StreamsApp streams = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app,
             Files.createDirectories(dir.resolve("streams")), "127.0.0.1", 0, "127.0.0.1", 0,
             new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq", app + ".", WINDOW,
                 Duration.ofDays(7)), 2, new Properties()))) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(60))).as("streams running").isTrue();
      int metricsPort = LoopbackPorts.free();
      String metrics = "http://127.0.0.1:" + metricsPort;
      String[] agentArgs = AgentArgs.run(broker.bootstrapServers(), app, spool, metricsPort, host,
          "--sample-interval", "1");
      ChildJvm agent = ChildJvm.start("agent", AgentCli.class, agentLog, agentArgs);
      Process a = null;
      Process b = null;
      try {
        Http.await("agent healthy", Duration.ofSeconds(60), () -> Http.status(metrics + "/healthz") == 200);
        Instant aStart = Instant.now();
        a = new ProcessBuilder(live.toString(), "12", commA, "2").redirectErrorStream(true).start();
        b = new ProcessBuilder(live.toString(), "24", commB, "0").redirectErrorStream(true).start();
        long threadsA = threads(CProgram.finish(a, "live " + commA, 60));
        Instant aEnd = Instant.now();
        Thread.sleep(2_000); // A's last exits and samples delivered

        // B pauses (no thread can exit unseen) while the agent is killed and started again. Before the
        // kill, two samplings pass and everything is delivered, so that nothing of B is in flight.
        signal(b, "STOP");
        long cycles = Http.metric(metrics, "fleetacct_agent_sample_cycles_total");
        Http.await("two samplings after B stopped, all delivered", Duration.ofSeconds(30),
            () -> Http.metric(metrics, "fleetacct_agent_sample_cycles_total") >= cycles + 2
                && Http.metric(metrics, "fleetacct_agent_queue_records") == 0
                && Http.metric(metrics, "fleetacct_agent_inflight_records") == 0);
        agent.kill();
        agent = ChildJvm.start("agent (restarted after SIGKILL)", AgentCli.class, agentLog, agentArgs);
        Http.await("restarted agent healthy", Duration.ofSeconds(60), () -> Http.status(metrics + "/healthz") == 200);
        signal(b, "CONT");
        long threadsB = threads(CProgram.finish(b, "live " + commB, 60));

        // The test's own listener is the judge once it has every thread the workloads started and main
        // (a process's last exit is in the listener's socket when it ends, not yet read: a CI run
        // compared with 48 of B's 49).
        Http.await("the test's listener has A's and B's every thread", Duration.ofSeconds(30),
            () -> exitsOf(truth, commA).size() == threadsA + 1 && exitsOf(truth, commB).size() == threadsB + 1);
        assertThat(truth.missed()).as("the test's own listener missed nothing (else it cannot judge)").isZero();
        Map<String, Long> expectedA = KernelTotals.of(exitsOf(truth, commA));
        Map<String, Long> expectedB = KernelTotals.of(exitsOf(truth, commB));
        String totalsA = streams.url() + "/v1/commands/" + commA + "/totals";
        String totalsB = streams.url() + "/v1/commands/" + commB + "/totals";
        Http.await("the agent delivered everything", Duration.ofSeconds(60),
            () -> Http.metric(metrics, "fleetacct_agent_queue_records") == 0
                && Http.metric(metrics, "fleetacct_agent_inflight_records") == 0
                && Http.metric(metrics, "fleetacct_agent_spool_records") == 0);
        try {
          Http.await("A's exits counted", Duration.ofSeconds(60),
              () -> Http.json(totalsA).path("exits").asLong() == expectedA.get("exits"));
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + ": counted " + KernelTotals.reported(Http.answer(totalsA))
              + ", kernel " + expectedA + "; agent " + Http.agent(streams.url(), host), e);
        }
        JsonNode gotB = settled(totalsB, expectedB);
        JsonNode gotA = Http.answer(totalsA);
        JsonNode agentRow = Http.agent(streams.url(), host);
        long gaps = agentRow.get("sequence_gaps").asLong();
        assertThat(agentRow.get("sample_interval_ms").asLong()).as("/v1/agents: sampling").isEqualTo(1_000);
        assertThat(agentRow.get("samples").asLong()).as("/v1/agents: samples made").isPositive();
        assertThat(agentRow.get("sample_errors").asLong()).as("/v1/agents: sample errors").isZero();
        System.out.printf("live sampling: A %d threads, %d samples; B %d threads, %d samples; agent sequence gaps %d"
                + " (SIGKILL and restart while B lived)%n  A kernel %s%n  A counted %s%n  B kernel %s%n"
                + "  B counted %s%n", expectedA.get("exits"), gotA.get("samples").asLong(), expectedB.get("exits"),
            gotB.get("samples").asLong(), gaps, expectedA, KernelTotals.reported(gotA), expectedB,
            KernelTotals.reported(gotB));

        assertThat(gotA.get("samples").asLong()).as("A was sampled while it lived (about once a second)")
            .isGreaterThanOrEqualTo(8);
        assertThat(KernelTotals.reported(gotA)).as("A: samples + exits = the kernel's exit records, exactly")
            .isEqualTo(expectedA);
        JsonNode series = Http.answer(streams.url() + "/v1/commands/" + commA + "/series?from=" + aStart.minusSeconds(10)
            + "&to=" + aEnd.plusSeconds(10)).get("windows");
        Instant first = floor(aStart.plusSeconds(1));
        Instant last = floor(aEnd.minusSeconds(1));
        int lived = 0;
        for (JsonNode w : series) {
          Instant start = Instant.parse(w.get("start").asText());
          if (!start.isBefore(first) && !start.isAfter(last)) {
            lived++;
            assertThat(w.get("cpu_delay_total").asLong()).as("A's CPU delay in the window of %s", start).isPositive();
          }
        }
        assertThat(lived).as("windows A lived through, each with its CPU delay")
            .isEqualTo((int) Duration.between(first, last).dividedBy(WINDOW) + 1);

        assertThat(gotB.get("samples").asLong()).isGreaterThanOrEqualTo(10);
        Map<String, Long> countedB = KernelTotals.reported(gotB);
        if (!countedB.equals(expectedB)) {
          String why = ExitsTopic.compare(truth.workloadExits(), Topics.readAll(broker.bootstrapServers(),
              app + ".exits", FleetacctSerdes.exitOrSample(), got -> true, Duration.ofSeconds(60)),
              t -> t.getAcComm().equals(commB));
          for (var e : expectedB.entrySet()) {
            assertThat(countedB.get(e.getKey())).as("B's %s: never more than the kernel's (nothing twice); %s",
                e.getKey(), why).isLessThanOrEqualTo(e.getValue());
          }
          // Nothing of B was in flight at the kill: the restart must neither lose nor repeat any of it (the
          // instance's gaps are other processes' exits while no agent ran).
          assertThat(countedB).as("B across the kill: exactly the kernel's; %s", why).isEqualTo(expectedB);
        }
      } finally {
        for (Process p : new Process[] {a, b}) {
          if (p != null) {
            p.destroyForcibly();
          }
        }
        agent.close();
        Files.copy(agentLog, Path.of("target", "live-sampling-agent.log"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** A totals body once it has the kernel's exits, or stops changing (two reads 2 s apart agree). */
  private static JsonNode settled(String url, Map<String, Long> kernel) throws Exception {
    JsonNode last = Http.answer(url);
    for (int i = 0; i < 30 && last.get("exits").asLong() != kernel.get("exits"); i++) {
      Thread.sleep(2_000);
      JsonNode now = Http.answer(url);
      if (now.equals(last)) {
        break;
      }
      last = now;
    }
    Thread.sleep(1_500); // the combiner and a commit after the last exit
    return Http.answer(url);
  }

  /** N of the workload's last line, "threads N": the threads it started besides its main one. */
  private static long threads(String output) {
    assertThat(output).startsWith("threads ");
    return Long.parseLong(output.trim().substring("threads ".length()));
  }

  private static List<TaskStats> exitsOf(KernelAccount truth, String comm) {
    return truth.workloadExits().stream().filter(t -> t.getAcComm().equals(comm)).toList();
  }

  private static Instant floor(Instant t) {
    long w = WINDOW.toMillis();
    return Instant.ofEpochMilli(t.toEpochMilli() - Math.floorMod(t.toEpochMilli(), w));
  }

  /** SIGSTOP or SIGCONT to a process and its children. */
  private static void signal(Process p, String signal) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("kill", "-" + signal, String.valueOf(p.pid())));
    p.descendants().forEach(d -> cmd.add(String.valueOf(d.pid())));
    Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }
}
