package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.standalone.testing.AgentStops;
import io.fleetacct.standalone.testing.Chain;
import io.fleetacct.standalone.testing.ChainReport;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    try (Chain chain = Chain.start(new Chain.Setup(broker.bootstrapServers(), dir, "fault", 2,
        List.of("session.timeout.ms=10000", "heartbeat.interval.ms=1000"),
        List.of("--shutdown-timeout", String.valueOf(SHUTDOWN_TIMEOUT))))) {
      chain.startLoad();
      Thread.sleep(5_000);

      // (a) The broker away: the agent spools, the streams instances wait. Halfway through, the
      // agent is stopped with SIGTERM (a rolling update) and started again while Kafka is still away:
      // what it had received and Kafka had not acknowledged must wait in the spool, not be dropped.
      System.out.printf("fault: broker stopped for %d s%n", OUTAGE.toSeconds());
      broker.stop();
      Thread.sleep(OUTAGE.toMillis() / 2);
      AgentStops.Stop inOutage = chain.stopAgent();
      System.out.printf("fault: agent SIGTERM in the outage: stopped in %.1f s (--shutdown-timeout %d);"
              + " %d exits received, %d published, %d waiting in the spool, %d dropped%n", inOutage.seconds(),
          SHUTDOWN_TIMEOUT, inOutage.received(), inOutage.published(), inOutage.spooled(), inOutage.dropped());
      assertThat(inOutage.dropped()).as("records dropped by the stop in the outage").isZero();
      assertThat(inOutage.seconds()).as("stop time with Kafka away").isLessThan(SHUTDOWN_TIMEOUT + 5.0);
      chain.startAgent("agent (restarted in the outage)");
      Http.await("restarted agent serving metrics", Duration.ofSeconds(60),
          () -> Http.status(chain.agentMetrics() + "/metrics") == 200);
      Thread.sleep(OUTAGE.toMillis() / 2);
      long spooledInOutage = chain.agentMetric("fleetacct_agent_spool_records");
      broker.start();
      Http.await("the agent's spool drained after the outage", Duration.ofSeconds(120),
          () -> chain.agentMetric("fleetacct_agent_spool_records") == 0);
      Thread.sleep(3_000);

      // (b) The agent killed and restarted on the same spool directory.
      System.out.println("fault: agent SIGKILL");
      chain.killAgent();
      Thread.sleep(1_000);
      chain.startAgent("agent (restarted)");
      Http.await("restarted agent healthy", Duration.ofSeconds(60),
          () -> Http.status(chain.agentMetrics() + "/healthz") == 200);
      Thread.sleep(5_000);

      // (c) One streams instance killed; the other carries on alone.
      System.out.println("fault: streams B SIGKILL");
      chain.killStreamsB();
      Thread.sleep(10_000);

      assertThat(chain.endLoadAndStopAgent().dropped()).as("records dropped by the last stop").isZero();
      ChainReport r = chain.report();
      System.out.printf("fault report: produced %d, delivered %d (%d records on the topic with replays), counted %d,"
              + " lost-and-reported %d, lost-unreported %d, double-counted %d; spooled during the outage %d;"
              + " workload children %d%n", r.produced(), r.delivered(), r.onTopic(), r.counted(), r.lostReported(),
          r.lostUnreported(), r.doubleCounted(), spooledInOutage, chain.children());
      assertThat(spooledInOutage).as("the outage made the agent spool").isPositive();
      assertThat(r.lostReported()).as("the agent's downtime shows as reported loss").isPositive();
    }
  }
}
