package io.fleetacct.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka away: the agent spools, loses nothing it did not count, and catches up in order. */
@WithKafkaBroker(dedicated = true)
@IntegrationTest
class AgentOutageTest {

  private static final long OUTAGE_SECONDS = Long.getLong("fleetacct.outage.seconds", 20);

  @TempDir Path spoolDir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void brokerAwayLosesNothingAndDuplicatesNothing(EmbeddedKafkaBroker broker) throws Exception {
    broker.start();
    String topic = "outage-" + UUID.randomUUID().toString().substring(0, 8);
    broker.createTopic(topic, 1);
    broker.createTopic(topic + ".status", 1);
    String prefix = "ou" + UUID.randomUUID().toString().substring(0, 4);
    Set<Long> childPids = new HashSet<>();
    Agent agent = Agent.start(
        AgentKafkaTest.config(broker.bootstrapServers(), topic, spoolDir, 200, 256L << 20).build());
    long spooledDuringOutage;
    try {
      Workload.run(300, prefix, null).forEach(c -> childPids.add(c.pid()));
      broker.stop();
      long end = System.nanoTime() + Duration.ofSeconds(OUTAGE_SECONDS).toNanos();
      while (System.nanoTime() < end) {
        Workload.run(150, prefix, null).forEach(c -> childPids.add(c.pid()));
        Thread.sleep(2_000);
      }
      spooledDuringOutage = agent.publisherCounters().spooled.sum();
      assertThat(agent.health().ready()).as("ready while spooling: %s", agent.health().detail()).isTrue();
      broker.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (agent.status().getSpooledRecords() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    } finally {
      agent.close();
    }
    assertThat(spooledDuringOutage).as("records spooled during the outage").isPositive();
    long submitted = agent.publisherCounters().published.sum() + agent.publisherCounters().dropped.sum();
    assertThat(agent.publisherCounters().dropped.sum()).isZero();

    List<TaskExit> all = Topics.readAll(broker.bootstrapServers(), topic, FleetacctSerdes.taskExit(),
        got -> got.size() >= submitted, Duration.ofSeconds(60));
    List<Long> seqs = all.stream().filter(r -> r.getAgentInstance().equals(agent.agentInstance()))
        .map(TaskExit::getAgentSeq).toList();
    assertThat(seqs).as("in agent_seq order, contiguous, none twice")
        .isEqualTo(java.util.stream.LongStream.range(0, submitted).boxed().toList());
    Set<Long> arrived = all.stream().filter(r -> r.getTask().getAcComm().startsWith(prefix) && r.getTask().getAcFlag() >= 0x20)
        .map(r -> r.getTask().getAcTgid()).collect(Collectors.toSet());
    assertThat(arrived).containsAll(childPids);
  }

  @Test
  void fullSpoolDropsAreCountedInHeartbeatMetricsAndAsGaps(EmbeddedKafkaBroker broker) throws Exception {
    broker.start();
    String topic = "spoolfull-" + UUID.randomUUID().toString().substring(0, 8);
    broker.createTopic(topic, 1);
    broker.createTopic(topic + ".status", 1);
    broker.stop();
    String prefix = "sf" + UUID.randomUUID().toString().substring(0, 4);
    Agent agent = Agent.start(
        AgentKafkaTest.config(broker.bootstrapServers(), topic, spoolDir, 20, 32 * 1024).build());
    long dropped;
    long submitted;
    try {
      Workload.run(300, prefix, null);
      Thread.sleep(500);
      // Other processes of the machine keep exiting (and being dropped): each view of the count is
      // read between two reads of the counter itself.
      dropped = agent.publisherCounters().dropped.sum();
      assertThat(dropped).as("records dropped with a 32 KiB spool").isPositive();
      assertThat(agent.status().getDropped()).as("heartbeat")
          .isBetween(dropped, agent.publisherCounters().dropped.sum());
      long before = agent.publisherCounters().dropped.sum();
      HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + agent.metricsPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      long after = agent.publisherCounters().dropped.sum();
      Matcher exported = Pattern.compile("(?m)^fleetacct_agent_records_dropped_total ([0-9.E]+)$")
          .matcher(metrics.body());
      assertThat(exported.find()).as("fleetacct_agent_records_dropped_total on /metrics").isTrue();
      assertThat((long) Double.parseDouble(exported.group(1))).as("exported").isBetween(before, after);
      broker.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (agent.status().getSpooledRecords() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    } finally {
      agent.close();
    }
    dropped = agent.publisherCounters().dropped.sum();
    long published = agent.publisherCounters().published.sum();
    submitted = published + dropped;
    List<AgentStatus> beats = Topics.readAll(broker.bootstrapServers(), topic + ".status",
        FleetacctSerdes.agentStatus(), got -> !got.isEmpty(), Duration.ofSeconds(30));
    assertThat(beats.get(beats.size() - 1).getDropped()).as("last heartbeat's dropped").isEqualTo(dropped);

    List<TaskExit> all = Topics.readAll(broker.bootstrapServers(), topic, FleetacctSerdes.taskExit(),
        got -> got.size() >= published, Duration.ofSeconds(60));
    Set<Long> seqs = all.stream().filter(r -> r.getAgentInstance().equals(agent.agentInstance()))
        .map(TaskExit::getAgentSeq).collect(Collectors.toSet());
    assertThat(seqs).hasSize((int) published);
    long gaps = java.util.stream.LongStream.range(0, submitted).filter(s -> !seqs.contains(s)).count();
    assertThat(gaps).as("agent_seq gaps equal the dropped count").isEqualTo(dropped);
  }
}
