package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.EmbeddedKafkaCluster;
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
 * The chain on a three-broker cluster (replication factor 3, min.insync.replicas 2, as the README
 * recommends) under a fork load: the agent as a child process with one socket per CPU, two streams
 * instances. In turn: (a) the broker that leads the most partitions of the exits topic is killed
 * with SIGKILL and started again 15 s later; (b) a rolling restart, each broker stopped cleanly and
 * started again once every partition has its three replicas in sync; (c) two brokers stopped for
 * 15 s, so that no write can meet min.insync.replicas: writes must wait (the agent keeps exits in
 * memory and its spool), not fail. Then every table must equal the kernel's own account except
 * for exactly the losses the system reported, with nothing counted twice ({@link ChainReport}).
 */
@WithKafkaBroker(dedicated = true, brokers = 3)
@IntegrationTest
class ClusterFaultTest {

  private static final Duration DOWN = Duration.ofSeconds(15);

  @TempDir Path dir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void aBrokerKilledARollingRestartAndTwoBrokersDownLoseNothingUnreportedAndCountNothingTwice(
      EmbeddedKafkaCluster cluster) throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 6);
    String prefix = "cf" + id.substring(0, 4);
    String app = "cluster-" + id;
    String host = "cluster-host-" + id;
    String exits = app + ".exits";
    Path spool = Files.createDirectories(dir.resolve("spool"));
    KernelAccount truth = KernelAccount.start(prefix);

    Properties extra = new Properties();
    extra.put("commit.interval.ms", "100");
    extra.put("session.timeout.ms", "10000");
    extra.put("heartbeat.interval.ms", "1000");
    extra.put("replication.factor", "3");
    extra.put("topic.min.insync.replicas", "2");
    FleetacctTopology.Config topology = new FleetacctTopology.Config(exits, app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    StreamsApp a = null;
    ChildJvm b = null;
    ChildJvm agent = null;
    ForkLoad load = null;
    long maxQueuedWhileTwoDown = 0;
    long maxSpooledWhileTwoDown = 0;
    long droppedWhileTwoDown = -1;
    try {
      a = StreamsApp.start(new StreamsApp.Config(cluster.bootstrapServers(), app,
          Files.createDirectories(dir.resolve("a")), "127.0.0.1", 0, "127.0.0.1", 1, topology, 3, extra));
      int portB = LoopbackPorts.free();
      b = ChildJvm.start("streams B", StreamsCli.class, dir.resolve("streams-b.log"), StreamsArgs.run(
          cluster.bootstrapServers(), app, Files.createDirectories(dir.resolve("b")), portB, "--topic-partitions", "3",
          "--replication-factor", "3", "--min-insync-replicas", "2"));
      String urlB = "http://127.0.0.1:" + portB;
      assertThat(a.awaitRunning(Duration.ofSeconds(120))).as("streams A running").isTrue();
      Http.await("streams B healthy", Duration.ofSeconds(120), () -> Http.status(urlB + "/healthz") == 200);

      int metricsPort = LoopbackPorts.free();
      String metrics = "http://127.0.0.1:" + metricsPort;
      Path agentLog = dir.resolve("agent.log");
      // Exits only: the report counts exits against the kernel's sequence.
      agent = ChildJvm.start("agent", AgentCli.class, agentLog, AgentArgs.run(cluster.bootstrapServers(), app, spool,
          metricsPort, host, "--sample-interval", "0"));
      Http.await("agent healthy", Duration.ofSeconds(60), () -> Http.status(metrics + "/healthz") == 200);
      load = ForkLoad.start(prefix);
      Thread.sleep(5_000);

      // (a) SIGKILL of the leader of most exits partitions, back after DOWN.
      EmbeddedKafkaBroker leader = cluster.leaderOfMostPartitions(exits);
      System.out.printf("cluster fault: (a) broker %d (leads %s of %s) SIGKILL for %d s%n", leader.nodeId(),
          cluster.leaders(exits), exits, DOWN.toSeconds());
      leader.kill();
      Thread.sleep(DOWN.toMillis());
      leader.start();
      awaitFullyReplicated(cluster, exits);

      // (b) A rolling restart: each broker stopped cleanly and started, the next once all is in sync.
      for (EmbeddedKafkaBroker broker : cluster.brokers()) {
        System.out.printf("cluster fault: (b) rolling restart of broker %d%n", broker.nodeId());
        broker.stop();
        Thread.sleep(2_000);
        broker.start();
        awaitFullyReplicated(cluster, exits);
      }

      // (c) Two brokers down: min.insync.replicas 2 cannot be met; writes wait.
      EmbeddedKafkaBroker one = cluster.broker(1);
      EmbeddedKafkaBroker two = cluster.broker(2);
      long droppedBefore = Http.metric(metrics, "fleetacct_agent_records_dropped_total");
      String hostTotals = a.url() + "/v1/hosts/" + host + "/totals";
      long publishedBefore = Http.metric(metrics, "fleetacct_agent_records_published_total");
      System.out.printf("cluster fault: (c) brokers 1 and 2 down for %d s%n", DOWN.toSeconds());
      one.stop();
      two.stop();
      long until = System.nanoTime() + DOWN.toNanos();
      while (System.nanoTime() < until) {
        maxQueuedWhileTwoDown = Math.max(maxQueuedWhileTwoDown, Http.metric(metrics, "fleetacct_agent_queue_records")
            + Http.metric(metrics, "fleetacct_agent_inflight_records"));
        maxSpooledWhileTwoDown = Math.max(maxSpooledWhileTwoDown, Http.metric(metrics, "fleetacct_agent_spool_records"));
        Thread.sleep(1_000);
      }
      droppedWhileTwoDown = Http.metric(metrics, "fleetacct_agent_records_dropped_total") - droppedBefore;
      long publishedWhileDown = Http.metric(metrics, "fleetacct_agent_records_published_total") - publishedBefore;
      one.start();
      two.start();
      long back = System.nanoTime();
      long received = Http.metric(metrics, "fleetacct_agent_exits_received_total");
      Http.await("the agent's backlog drained after (c)", Duration.ofSeconds(120),
          () -> Http.metric(metrics, "fleetacct_agent_spool_records") == 0
              && Http.metric(metrics, "fleetacct_agent_queue_records") == 0);
      double drained = (System.nanoTime() - back) / 1e9;
      Http.await("the tables counted what the agent had received when the brokers came back", Duration.ofSeconds(180),
          () -> Http.json(hostTotals).path("exits").asLong() >= received);
      double counted = (System.nanoTime() - back) / 1e9;
      awaitFullyReplicated(cluster, exits);
      System.out.printf("cluster fault: (c) while two brokers were down Kafka acknowledged %d of the agent's records;"
              + " the agent held at most %d in memory (queued or in flight) and %d in its spool, and dropped %d."
              + " Once both were back: the agent's queue and spool drained in %.1f s, the tables counted every exit"
              + " received until then in %.1f s%n", publishedWhileDown, maxQueuedWhileTwoDown, maxSpooledWhileTwoDown,
          droppedWhileTwoDown, drained, counted);

      Thread.sleep(5_000);
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
      ChainReport r = ChainReport.check(truth, spool, cluster.bootstrapServers(), exits, a, host);
      System.out.printf("cluster fault report: produced %d, delivered %d (%d records on the topic with replays),"
              + " counted %d, lost-and-reported %d, lost-unreported %d, double-counted %d; workload children %d%n",
          r.produced(), r.delivered(), r.onTopic(), r.counted(), r.lostReported(), r.lostUnreported(),
          r.doubleCounted(), load.children());
      assertThat(droppedWhileTwoDown).as("records the agent dropped while two brokers were down").isZero();
      assertThat(maxQueuedWhileTwoDown + maxSpooledWhileTwoDown).as("exits held back while writes waited")
          .isPositive();
    } finally {
      a.close();
    }
  }

  /** Waits (90 s at most) until every partition of the topic has its three replicas in sync. */
  private static void awaitFullyReplicated(EmbeddedKafkaCluster cluster, String topic) throws Exception {
    Http.await(topic + " fully replicated", Duration.ofSeconds(90),
        () -> cluster.inSyncReplicas(topic).values().stream().allMatch(n -> n == 3));
  }
}
