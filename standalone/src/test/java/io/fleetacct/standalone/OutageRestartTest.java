package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.standalone.testing.AgentArgs;
import io.fleetacct.standalone.testing.AgentStops;
import io.fleetacct.standalone.testing.ForkLoad;
import io.fleetacct.standalone.testing.KernelAccount;
import io.fleetacct.standalone.testing.KernelTotals;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A rolling update of the agent during a Kafka outage: Kafka goes away (stopped, or frozen with
 * SIGSTOP so that connections hang), processes keep exiting, the agent gets SIGTERM, is started
 * again while Kafka is still away, processes keep exiting, Kafka comes back. Every exit either agent
 * run received must be counted once: the workload's per-command totals equal the kernel's records
 * exactly, and the only sequence gaps are exits that no agent was registered for (the workload
 * pauses while the agent restarts, so those are other processes of the machine).
 */
@IntegrationTest
class OutageRestartTest {

  private static final int SHUTDOWN_TIMEOUT = 5;

  @TempDir Path dir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @ParameterizedTest(name = "Kafka {0}")
  @ValueSource(strings = {"stopped", "frozen"})
  void aStopAndRestartWhileKafkaIsAwayLosesNothingTheAgentReceived(String outage) throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 6);
    String prefix = "or" + id.substring(0, 4);
    String app = "outage-" + id;
    String host = "outage-host-" + id;
    Path spool = Files.createDirectories(dir.resolve("spool"));
    Path agentLog = dir.resolve("agent.log");
    AtomicBoolean loadOn = new AtomicBoolean();
    Object batch = new Object(); // held while a batch of the workload runs
    Thread load = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        synchronized (batch) {
          if (loadOn.get()) {
            Workload.run(20, prefix, null);
          }
        }
        try {
          Thread.sleep(ForkLoad.PAUSE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fork-load");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
         KernelAccount truth = KernelAccount.start(prefix);
         StreamsApp streams = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app,
             Files.createDirectories(dir.resolve("streams")), "127.0.0.1", 0, "127.0.0.1", 0,
             new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq", app + ".",
                 Duration.ofMinutes(1), Duration.ofDays(7)), 2, new Properties()))) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(60))).as("streams running").isTrue();
      int metricsPort = LoopbackPorts.free();
      String metrics = "http://127.0.0.1:" + metricsPort;
      // Exits only: the report counts exits against the kernel's sequence.
      String[] agentArgs = AgentArgs.run(broker.bootstrapServers(), app, spool, metricsPort, host,
          "--shutdown-timeout", String.valueOf(SHUTDOWN_TIMEOUT), "--sample-interval", "0");
      ChildJvm agent = ChildJvm.start("agent", AgentCli.class, agentLog, agentArgs);
      AgentStops.Stop away;
      AgentStops.Stop last;
      try {
        Http.await("agent healthy", Duration.ofSeconds(60), () -> Http.status(metrics + "/healthz") == 200);
        load.start();
        loadOn.set(true);
        Thread.sleep(3_000);

        if (outage.equals("frozen")) {
          broker.freeze();
        } else {
          broker.stop();
        }
        Thread.sleep(5_000);
        loadOn.set(false); // no workload exit while no agent is registered
        synchronized (batch) {
          Thread.sleep(500); // the last batch's exits read by the agent
        }
        away = AgentStops.stop(agent, agentLog);
        agent = ChildJvm.start("agent (restarted with Kafka away)", AgentCli.class, agentLog, agentArgs);
        AgentStops.awaitRegistered(agentLog);
        loadOn.set(true);
        Thread.sleep(5_000);
        if (outage.equals("frozen")) {
          broker.thaw();
        } else {
          broker.start();
        }
        Http.await("the agent's spool drained", Duration.ofSeconds(120),
            () -> Http.status(metrics + "/metrics") == 200
                && Http.metric(metrics, "fleetacct_agent_spool_records") == 0
                && Http.metric(metrics, "fleetacct_agent_queue_records") == 0);
        loadOn.set(false);
        Thread.sleep(1_000);
        last = AgentStops.stop(agent, agentLog);
      } finally {
        load.interrupt();
        load.join(60_000);
        agent.close();
      }

      long produced = truth.announcedWhileJournalled(spool);
      List<TaskExit> onTopic = Topics.readAll(broker.bootstrapServers(), app + ".exits", FleetacctSerdes.taskExit(),
          got -> true, Duration.ofSeconds(60));
      Set<String> distinct = onTopic.stream().map(e -> e.getAgentInstance() + "/" + e.getAgentSeq())
          .collect(Collectors.toSet());
      long received = away.received() + last.received();
      Http.await("the tables count everything delivered", Duration.ofSeconds(120),
          () -> Http.json(streams.url() + "/v1/hosts/" + host + "/totals").path("exits").asLong() >= distinct.size());
      long counted = Http.answer(streams.url() + "/v1/hosts/" + host + "/totals").get("exits").asLong();
      long gaps = Http.sequenceGaps(streams.url(), host);
      System.out.printf("outage restart (Kafka %s): the stop in the outage took %.1f s (--shutdown-timeout %d), kept"
              + " %d of %d received in the spool, dropped %d; kernel announced %d while the agent ran, agents"
              + " received %d, delivered %d (%d records with replays), counted %d, sequence gaps %d (exits no agent"
              + " was registered for: %d), lost %d%n", outage, away.seconds(), SHUTDOWN_TIMEOUT, away.spooled(),
          away.received(), away.dropped(), produced, received, distinct.size(), onTopic.size(), counted, gaps,
          produced - received, received - counted);

      assertThat(away.dropped() + last.dropped()).as("records dropped by either stop").isZero();
      assertThat(away.seconds()).as("stop time with Kafka away").isLessThan(SHUTDOWN_TIMEOUT + 5.0);
      assertThat(away.spooled()).as("the stop in the outage kept records in the spool").isPositive();
      assertThat((long) distinct.size()).as("every exit either run received was delivered once").isEqualTo(received);
      assertThat(counted).as("counted").isEqualTo(received);
      assertThat(gaps).as("sequence gaps: only the exits no agent was registered for").isEqualTo(produced - received);

      Map<String, List<TaskStats>> byCommand = truth.workloadExits().stream()
          .collect(Collectors.groupingBy(TaskStats::getAcComm));
      assertThat(byCommand).as("the workload's commands").isNotEmpty();
      for (var e : byCommand.entrySet()) {
        Map<String, Long> expected = KernelTotals.of(e.getValue());
        Http.await("command " + e.getKey() + " counted", Duration.ofSeconds(60),
            () -> Http.json(streams.url() + "/v1/commands/" + e.getKey() + "/totals").path("exits").asLong()
                >= expected.get("exits"));
        assertThat(KernelTotals.reported(Http.answer(streams.url() + "/v1/commands/" + e.getKey() + "/totals")))
            .as("totals of command %s", e.getKey()).isEqualTo(expected);
      }
    }
  }
}
