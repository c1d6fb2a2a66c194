package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.testing.Workload;
import io.fleetacct.embedded.ChildJvm;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.standalone.testing.AgentArgs;
import io.fleetacct.standalone.testing.AgentStops;
import io.fleetacct.standalone.testing.Http;
import io.fleetacct.standalone.testing.KernelAccount;
import io.fleetacct.standalone.testing.KernelTotals;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.cli.StreamsCli;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.Tables;
import io.fleetacct.testing.IntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain under a fork load while, one after another, the broker stops for 60 s (and the
 * agent is stopped with SIGTERM and restarted in the middle of it), the agent is killed with SIGKILL
 * and restarted, and one of two streams instances is killed with SIGKILL.
 * Then the tables must equal the kernel's own account (a listener of the test's, registered before
 * and after the agent), except for exactly the losses the system reported; nothing counted twice.
 *
 * <p>What the kernel announced is the test's own {@link KernelAccount}.
 * -Dfleetacct.fault.outage=SECONDS shortens the broker outage for a quick run.
 */
@WithKafkaBroker(dedicated = true)
@IntegrationTest
class FaultTest {

  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("fleetacct.fault.outage", 60));
  private static final int SHUTDOWN_TIMEOUT = 10;

  @TempDir Path dir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void underBrokerOutageAgentCrashAndStreamsCrashNothingIsLostUnreportedOrCountedTwice(EmbeddedKafkaBroker broker)
      throws Exception {
    broker.start();
    String id = UUID.randomUUID().toString().substring(0, 6);
    String prefix = "ft" + id.substring(0, 4);
    String app = "fault-" + id;
    String host = "fault-host-" + id;
    Path spool = Files.createDirectories(dir.resolve("spool"));

    KernelAccount truth = KernelAccount.start(prefix);

    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    extra.put("session.timeout.ms", "10000");
    extra.put("heartbeat.interval.ms", "1000");
    FleetacctTopology.Config topology = new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofDays(7));
    StreamsApp a = null;
    ChildJvm b = null;
    ChildJvm agent = null;
    AtomicBoolean loadOn = new AtomicBoolean(true);
    AtomicLong forked = new AtomicLong();
    long spooledInOutage = -1;
    Thread load = new Thread(() -> {
      while (loadOn.get()) {
        forked.addAndGet(Workload.run(20, prefix, null).size());
        try {
          Thread.sleep(10); // about 1,500 exits/s on 2 cores: a load, not a saturation
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fork-load");
    try {
      a = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app, Files.createDirectories(dir.resolve("a")),
          "127.0.0.1", 0, "127.0.0.1", 1, topology, 2, extra));
      int portB = LoopbackPorts.free();
      b = ChildJvm.start("streams B", StreamsCli.class, dir.resolve("streams-b.log"), "run",
          "--bootstrap-servers", broker.bootstrapServers(), "--application-id", app,
          "--state-dir", Files.createDirectories(dir.resolve("b")).toString(), "--http-port", String.valueOf(portB),
          "--standby-replicas", "1", "--exits-topic", app + ".exits", "--status-topic", app + ".status",
          "--dead-letter-topic", app + ".dlq", "--output-prefix", app + ".", "--topic-partitions", "2",
          "-X", "commit.interval.ms=100", "-X", "session.timeout.ms=10000", "-X", "heartbeat.interval.ms=1000");
      String urlB = "http://127.0.0.1:" + portB;
      assertThat(a.awaitRunning(Duration.ofSeconds(60))).as("streams A running").isTrue();
      Http.await("streams B healthy", Duration.ofSeconds(60), () -> Http.status(urlB + "/healthz") == 200);

      int metricsPort = LoopbackPorts.free();
      // Exits only: the report counts exits against the kernel's sequence.
      String[] agentArgs = AgentArgs.run(broker.bootstrapServers(), app, spool, metricsPort, host,
          "--shutdown-timeout", String.valueOf(SHUTDOWN_TIMEOUT), "--sample-interval", "0");
      Path agentLog = dir.resolve("agent.log");
      String metrics = "http://127.0.0.1:" + metricsPort;
      agent = ChildJvm.start("agent", AgentCli.class, agentLog, agentArgs);
      Http.await("agent healthy", Duration.ofSeconds(60), () -> Http.status(metrics + "/healthz") == 200);
      load.start();
      Thread.sleep(5_000);

      // (a) The broker away: the agent spools, the streams instances wait. Halfway through, the
      // agent is stopped with SIGTERM (a rolling update) and started again while Kafka is still away:
      // what it had received and Kafka had not acknowledged must wait in the spool, not be dropped.
      System.out.printf("fault: broker stopped for %d s%n", OUTAGE.toSeconds());
      broker.stop();
      Thread.sleep(OUTAGE.toMillis() / 2);
      AgentStops.Stop inOutage = AgentStops.stop(agent, agentLog);
      System.out.printf("fault: agent SIGTERM in the outage: stopped in %.1f s (--shutdown-timeout %d);"
              + " %d exits received, %d published, %d waiting in the spool, %d dropped%n", inOutage.seconds(),
          SHUTDOWN_TIMEOUT, inOutage.received(), inOutage.published(), inOutage.spooled(), inOutage.dropped());
      assertThat(inOutage.dropped()).as("records dropped by the stop in the outage").isZero();
      assertThat(inOutage.seconds()).as("stop time with Kafka away").isLessThan(SHUTDOWN_TIMEOUT + 5.0);
      agent = ChildJvm.start("agent (restarted in the outage)", AgentCli.class, agentLog, agentArgs);
      Http.await("restarted agent serving metrics", Duration.ofSeconds(60),
          () -> Http.status(metrics + "/metrics") == 200);
      Thread.sleep(OUTAGE.toMillis() / 2);
      spooledInOutage = Http.metric(metrics, "fleetacct_agent_spool_records");
      broker.start();
      Http.await("the agent's spool drained after the outage", Duration.ofSeconds(120),
          () -> Http.metric(metrics, "fleetacct_agent_spool_records") == 0);
      Thread.sleep(3_000);

      // (b) The agent killed and restarted on the same spool directory.
      System.out.println("fault: agent SIGKILL");
      agent.kill();
      Thread.sleep(1_000);
      agent = ChildJvm.start("agent (restarted)", AgentCli.class, agentLog, agentArgs);
      Http.await("restarted agent healthy", Duration.ofSeconds(60), () -> Http.status(metrics + "/healthz") == 200);
      Thread.sleep(5_000);

      // (c) One streams instance killed; the other carries on alone.
      System.out.println("fault: streams B SIGKILL");
      b.kill();
      Thread.sleep(10_000);

      loadOn.set(false);
      load.join(60_000);
      Thread.sleep(1_000);
      assertThat(AgentStops.stop(agent, agentLog).dropped()).as("records dropped by the last stop").isZero();
    } finally {
      loadOn.set(false);
      truth.close();
      if (agent != null) {
        agent.close();
      }
      if (b != null) {
        b.close();
      }
    }
    try {
      long produced = truth.announcedWhileJournalled(spool);

      // Delivered: the exits topic, each (agent instance, agent_seq) once.
      List<TaskExit> onTopic = Topics.readAll(broker.bootstrapServers(), app + ".exits", FleetacctSerdes.taskExit(),
          got -> true, Duration.ofSeconds(60));
      Set<String> distinct = onTopic.stream().map(e -> e.getAgentInstance() + "/" + e.getAgentSeq())
          .collect(Collectors.toSet());
      long delivered = distinct.size();

      // Counted and reported lost, by the surviving streams instance.
      String hostPath = "/v1/hosts/" + host + "/totals";
      StreamsApp survivor = a;
      Http.await("the tables count everything delivered", Duration.ofSeconds(120),
          () -> Http.json(survivor.url() + hostPath).path("exits").asLong() >= delivered);
      long counted = Http.answer(a.url() + hostPath).get("exits").asLong();
      long lostReported = Http.sequenceGaps(a.url(), host);
      long lostUnreported = produced - counted - lostReported;
      long doubleCounted = counted - delivered;
      System.out.printf("fault report: produced %d, delivered %d (%d records on the topic with replays), counted %d,"
              + " lost-and-reported %d, lost-unreported %d, double-counted %d; spooled during the outage %d;"
              + " workload children %d%n", produced, delivered, onTopic.size(), counted, lostReported,
          lostUnreported, doubleCounted, spooledInOutage, forked.get());

      assertThat(spooledInOutage).as("the outage made the agent spool").isPositive();
      assertThat(lostReported).as("the agent's downtime shows as reported loss").isPositive();
      assertThat(lostUnreported).as("lost-unreported").isZero();
      assertThat(doubleCounted).as("double-counted").isZero();
      assertEveryTableHoldsExactly(a, host, onTopic);

      // The workload's commands: the tables hold exactly the kernel's records of the exits that arrived.
      Set<String> arrived = new HashSet<>();
      for (TaskExit e : onTopic) {
        arrived.add(identity(e.getTask()));
      }
      Map<String, List<TaskStats>> byCommand = new LinkedHashMap<>();
      long workloadLost = 0;
      List<TaskStats> workloadExits = truth.workloadExits();
      for (TaskStats t : workloadExits) {
        if (arrived.contains(identity(t))) {
          byCommand.computeIfAbsent(t.getAcComm(), k -> new ArrayList<>()).add(t);
        } else {
          workloadLost++;
        }
      }
      System.out.printf("fault report: workload exits %d, of them lost %d (inside the reported %d)%n",
          workloadExits.size(), workloadLost, lostReported);
      assertThat(workloadLost).as("workload exits lost").isLessThanOrEqualTo(lostReported);
      assertThat(byCommand).as("the workload's commands").isNotEmpty();
      for (var e : byCommand.entrySet()) {
        JsonNode got = Http.answer(a.url() + "/v1/commands/" + e.getKey() + "/totals");
        assertThat(KernelTotals.reported(got)).as("totals of command %s", e.getKey()).isEqualTo(KernelTotals.of(e.getValue()));
      }
    } finally {
      a.close();
    }
  }

  /**
   * Every table, all-time and per minute, by every key the delivered records have, counts exactly
   * the delivered records, each (agent instance, agent_seq) once.
   */
  private static void assertEveryTableHoldsExactly(StreamsApp app, String host, List<TaskExit> onTopic)
      throws Exception {
    Map<String, TaskExit> once = new LinkedHashMap<>();
    for (TaskExit e : onTopic) {
      once.putIfAbsent(e.getAgentInstance() + "/" + e.getAgentSeq(), e);
    }
    Map<String, Long> byCgroup = once.values().stream().collect(Collectors.groupingBy(
        e -> e.getCgroup() == null ? Tables.UNATTRIBUTED : e.getCgroup(), Collectors.counting()));
    Map<String, Long> byCommand = once.values().stream().collect(Collectors.groupingBy(
        e -> e.getTask().getAcComm(), Collectors.counting()));
    Instant from = once.values().stream().map(TaskExit::getReceivedAt).min(Instant::compareTo).orElseThrow()
        .truncatedTo(ChronoUnit.MINUTES);
    Instant to = once.values().stream().map(TaskExit::getReceivedAt).max(Instant::compareTo).orElseThrow()
        .plus(1, ChronoUnit.MINUTES);
    String range = "from=" + from + "&to=" + to;
    String base = app.url() + "/v1/";
    settles("host " + host + " per minute", once.size(), () -> windowedExits(base + "hosts/" + enc(host) + "/series?"
        + range));
    for (var e : byCgroup.entrySet()) {
      String path = "path=" + enc(e.getKey());
      settles("cgroup " + e.getKey(), e.getValue(), () -> Http.json(base + "cgroups/totals?" + path).path("exits")
          .asLong());
      settles("host+cgroup " + e.getKey(), e.getValue(), () -> Http.json(base + "hosts/" + enc(host)
          + "/cgroups/totals?" + path).path("exits").asLong());
      settles("cgroup " + e.getKey() + " per minute", e.getValue(), () -> windowedExits(base + "cgroups/series?" + path
          + "&" + range));
    }
    for (var e : byCommand.entrySet()) {
      settles("command " + e.getKey(), e.getValue(), () -> Http.json(base + "commands/" + enc(e.getKey())
          + "/totals").path("exits").asLong());
    }
    System.out.printf("fault report: every table agrees: host (all-time, and per minute over %d min), %d cgroups"
        + " and host+cgroups (all-time and per minute), %d commands%n", ChronoUnit.MINUTES.between(from, to), byCgroup.size(),
        byCommand.size());
  }

  @FunctionalInterface
  private interface Count {
    long get() throws Exception;
  }

  /** Waits up to 60 s for a table (tables behind other repartition topics may lag), then requires exactly. */
  private static void settles(String what, long expected, Count actual) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long got = actual.get();
    while (got != expected && System.nanoTime() < deadline) {
      Thread.sleep(200);
      got = actual.get();
    }
    assertThat(got).as(what).isEqualTo(expected);
  }

  private static long windowedExits(String url) throws Exception {
    long sum = 0;
    for (JsonNode w : Http.json(url).path("windows")) {
      sum += w.path("exits").asLong();
    }
    return sum;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** One exit, told apart from every other of the run (pid numbers are reused). */
  private static String identity(TaskStats t) {
    return t.getAcPid() + "/" + t.getAcBtime() + "/" + t.getAcEtime();
  }

}
