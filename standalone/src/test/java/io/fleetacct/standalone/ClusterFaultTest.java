package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.EmbeddedKafkaCluster;
import io.fleetacct.embedded.testing.WithKafkaBroker;
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
 * The chain on a three-broker cluster (replication factor 3, min.insync.replicas 2, as the README
 * recommends) under a fork load: the agent as a child process with one socket per CPU, two streams
 * instances. In turn: (a) the broker that leads the most partitions of the exits topic is killed
 * with SIGKILL and started again 15 s later, the first restart of a rolling restart; (b) each other
 * broker stopped cleanly and started again once every partition has its three replicas in sync;
 * (c) two brokers stopped for 15 s, so that no write can meet min.insync.replicas: writes must
 * wait (the agent keeps exits in memory and its spool), not fail. Then every table must equal the kernel's own account except
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
    try (Chain chain = Chain.start(new Chain.Setup(cluster.bootstrapServers(), dir, "cluster", 3,
        List.of("session.timeout.ms=10000", "heartbeat.interval.ms=1000",
            "replication.factor=3", "topic.min.insync.replicas=2"), List.of()))) {
      String exits = chain.exitsTopic();
      chain.startLoad();
      Thread.sleep(5_000);

      // (a) SIGKILL of the leader of most exits partitions, back after DOWN.
      EmbeddedKafkaBroker leader = cluster.leaderOfMostPartitions(exits);
      System.out.printf("cluster fault: (a) broker %d (leads %s of %s) SIGKILL for %d s%n", leader.nodeId(),
          cluster.leaders(exits), exits, DOWN.toSeconds());
      leader.kill();
      Thread.sleep(DOWN.toMillis());
      leader.start();
      awaitFullyReplicated(cluster, exits);

      // (b) The rolling restart goes on: each other broker stopped cleanly and started, the next once
      // all is in sync (the leader's restart was (a)'s).
      for (EmbeddedKafkaBroker broker : cluster.brokers()) {
        if (broker == leader) {
          continue;
        }
        System.out.printf("cluster fault: (b) rolling restart of broker %d%n", broker.nodeId());
        broker.stop();
        Thread.sleep(2_000);
        broker.start();
        awaitFullyReplicated(cluster, exits);
      }

      // (c) Two brokers down: min.insync.replicas 2 cannot be met; writes wait.
      EmbeddedKafkaBroker one = cluster.broker(1);
      EmbeddedKafkaBroker two = cluster.broker(2);
      long droppedBefore = chain.agentMetric("fleetacct_agent_records_dropped_total");
      String hostTotals = chain.streamsA().url() + "/v1/hosts/" + chain.host() + "/totals";
      long publishedBefore = chain.agentMetric("fleetacct_agent_records_published_total");
      System.out.printf("cluster fault: (c) brokers 1 and 2 down for %d s%n", DOWN.toSeconds());
      one.stop();
      two.stop();
      long maxQueuedWhileTwoDown = 0;
      long maxSpooledWhileTwoDown = 0;
      long until = System.nanoTime() + DOWN.toNanos();
      while (System.nanoTime() < until) {
        maxQueuedWhileTwoDown = Math.max(maxQueuedWhileTwoDown, chain.agentMetric("fleetacct_agent_queue_records")
            + chain.agentMetric("fleetacct_agent_inflight_records"));
        maxSpooledWhileTwoDown = Math.max(maxSpooledWhileTwoDown, chain.agentMetric("fleetacct_agent_spool_records"));
        Thread.sleep(1_000);
      }
      long droppedWhileTwoDown = chain.agentMetric("fleetacct_agent_records_dropped_total") - droppedBefore;
      long publishedWhileDown = chain.agentMetric("fleetacct_agent_records_published_total") - publishedBefore;
      one.start();
      two.start();
      long back = System.nanoTime();
      long received = chain.agentMetric("fleetacct_agent_exits_received_total");
      Http.await("the agent's backlog drained after (c)", Duration.ofSeconds(120),
          () -> chain.agentMetric("fleetacct_agent_spool_records") == 0
              && chain.agentMetric("fleetacct_agent_queue_records") == 0);
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
      assertThat(chain.endLoadAndStopAgent().dropped()).as("records dropped by the last stop").isZero();
      ChainReport r = chain.report();
      System.out.printf("cluster fault report: produced %d, delivered %d (%d records on the topic with replays),"
              + " counted %d, lost-and-reported %d, lost-unreported %d, double-counted %d; workload children %d%n",
          r.produced(), r.delivered(), r.onTopic(), r.counted(), r.lostReported(), r.lostUnreported(),
          r.doubleCounted(), chain.children());
      assertThat(droppedWhileTwoDown).as("records the agent dropped while two brokers were down").isZero();
      assertThat(maxQueuedWhileTwoDown + maxSpooledWhileTwoDown).as("exits held back while writes waited")
          .isPositive();
    }
  }

  /** Waits (90 s at most) until every partition of the topic has its three replicas in sync. */
  private static void awaitFullyReplicated(EmbeddedKafkaCluster cluster, String topic) throws Exception {
    Http.await(topic + " fully replicated", Duration.ofSeconds(90),
        () -> cluster.inSyncReplicas(topic).values().stream().allMatch(n -> n == 3));
  }
}
