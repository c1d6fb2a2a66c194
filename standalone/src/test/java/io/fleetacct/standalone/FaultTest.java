package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.standalone.testing.AgentArgs;
import io.fleetacct.standalone.testing.AgentStops;
import io.fleetacct.standalone.testing.ChainReport;
import io.fleetacct.standalone.testing.ForkLoad;
import io.fleetacct.standalone.testing.Http;
import io.fleetacct.standalone.testing.KernelAccount;
import io.fleetacct.standalone.testing.StreamsArgs;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.cli.StreamsCli;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain under a fork load while, one after another, the broker stops for 30 s (and the
 * agent is stopped with SIGTERM and restarted in the middle of it), the agent is killed with SIGKILL
 * and restarted, and one of two streams instances is killed with SIGKILL.
 * Then the tables must equal the kernel's own account (a listener of the test's, registered before
 * and after the agent), except for exactly the losses the system reported; nothing counted twice.
 *
 * <p>What the kernel announced is the test's own {@link KernelAccount}.
 * -Dfleetacct.fault.outage=SECONDS sets the broker outage (30 s).
 */
@WithKafkaBroker(dedicated = true)
@IntegrationTest
class FaultTest {

  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("fleetacct.fault.outage", 30));
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
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    StreamsApp a = null;
    ChildJvm b = null;
    ChildJvm agent = null;
    ForkLoad load = null;
    long spooledInOutage = -1;
    try {
      a = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), app, Files.createDirectories(dir.resolve("a")),
          "127.0.0.1", 0, "127.0.0.1", 1, topology, 2, extra));
      int portB = LoopbackPorts.free();
      b = ChildJvm.start("streams B", StreamsCli.class, dir.resolve("streams-b.log"), StreamsArgs.run(
          broker.bootstrapServers(), app, Files.createDirectories(dir.resolve("b")), portB, "--topic-partitions", "2"));
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
      load = ForkLoad.start(prefix);
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

      load.close();
      Thread.sleep(1_000);
      assertThat(AgentStops.stop(agent, agentLog).dropped()).as("records dropped by the last stop").isZero();
    } finally {
      if (load != null) {
        load.close();
      }
      truth.close();
      if (agent != null) {
        agent.close();
      }
      if (b != null) {
        b.close();
      }
    }
    try {
      ChainReport r = ChainReport.check(truth, spool, broker.bootstrapServers(), app + ".exits", a, host);
      System.out.printf("fault report: produced %d, delivered %d (%d records on the topic with replays), counted %d,"
              + " lost-and-reported %d, lost-unreported %d, double-counted %d; spooled during the outage %d;"
              + " workload children %d%n", r.produced(), r.delivered(), r.onTopic(), r.counted(), r.lostReported(),
          r.lostUnreported(), r.doubleCounted(), spooledInOutage, load.children());
      assertThat(spooledInOutage).as("the outage made the agent spool").isPositive();
      assertThat(r.lostReported()).as("the agent's downtime shows as reported loss").isPositive();
    } finally {
      a.close();
    }
  }
}
