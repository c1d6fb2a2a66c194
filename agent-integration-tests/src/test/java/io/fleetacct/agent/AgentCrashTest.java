package io.fleetacct.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent killed with SIGKILL while spooling: what was spooled arrives, and the loss is a counted gap. */
@WithKafkaBroker(dedicated = true)
@IntegrationTest
class AgentCrashTest {

  @TempDir Path spoolDir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void spooledRecordsSurviveSigkillAndTheLossShowsAsAGap(EmbeddedKafkaBroker broker) throws Exception {
    broker.start();
    String topic = "crash-" + UUID.randomUUID().toString().substring(0, 8);
    broker.createTopic(topic, 1);
    broker.createTopic(topic + ".status", 1);
    broker.stop(); // Kafka away: the agent spools
    String prefix = "cr" + UUID.randomUUID().toString().substring(0, 4);
    int port = LoopbackPorts.free();

    ChildJvm first = startAgent(broker.bootstrapServers(), topic, port);
    long spooledAtKill;
    long receivedAtKill;
    List<Workload.Child> children;
    try {
      awaitReady(port, first);
      children = Workload.run(500, prefix, null);
      Thread.sleep(1_000);
      spooledAtKill = metric(port, "fleetacct_agent_spool_records");
      receivedAtKill = metric(port, "fleetacct_agent_exits_received_total");
      assertThat(spooledAtKill).as("spooled before the kill").isPositive();
    } finally {
      first.kill();
    }

    broker.start();
    ChildJvm second = startAgent(broker.bootstrapServers(), topic, port);
    try {
      awaitReady(port, second);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (metric(port, "fleetacct_agent_spool_records") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    } finally {
      second.stop(60); // SIGTERM: a clean stop
    }

    List<TaskExit> all = Topics.readAll(broker.bootstrapServers(), topic, FleetacctSerdes.taskExit(),
        got -> got.size() >= spooledAtKill, Duration.ofSeconds(60));
    Map<String, List<TaskExit>> byInstance = all.stream().collect(Collectors.groupingBy(TaskExit::getAgentInstance));
    String killed = byInstance.entrySet().stream()
        .min(Comparator.comparing(e -> e.getValue().get(0).getReceivedAt())).orElseThrow().getKey();
    List<Long> seqs = byInstance.get(killed).stream().map(TaskExit::getAgentSeq).sorted().toList();
    assertThat(Set.copyOf(seqs)).as("nothing twice").hasSize(seqs.size());
    assertThat((long) seqs.size()).as("every record spooled before the kill arrived").isGreaterThanOrEqualTo(spooledAtKill);
    long highest = seqs.get(seqs.size() - 1);
    long gaps = highest + 1 - seqs.size();
    assertThat(highest + 1).as("sequence covers what the killed agent received").isGreaterThanOrEqualTo(receivedAtKill);

    Set<Long> arrived = byInstance.get(killed).stream().filter(r -> r.getTask().getAcComm().startsWith(prefix))
        .filter(r -> (r.getTask().getAcFlag() & 0x20) != 0).map(r -> r.getTask().getAcTgid()).collect(Collectors.toSet());
    long lost = children.stream().filter(c -> !arrived.contains(c.pid())).count();
    System.out.printf("crash: %d received, %d spooled at the kill; %d arrived, gap of %d records; %d of the test's"
        + " %d processes lost%n", receivedAtKill, spooledAtKill, seqs.size(), gaps, lost, children.size());
    assertThat(lost).as("every lost exit is inside a counted agent_seq gap").isLessThanOrEqualTo(gaps);
  }

  private ChildJvm startAgent(String bootstrap, String topic, int port) {
    return ChildJvm.start("agent", AgentCli.class, spoolDir.resolveSibling(topic + "-agent.log"), "run",
        "--bootstrap-servers", bootstrap, "--topic", topic, "--status-topic", topic + ".status",
        "--spool-dir", spoolDir.toString(), "--queue-capacity", "50", "--metrics-port", String.valueOf(port),
        "--host", "crash-host", "--heartbeat-interval", "1", "--sample-interval", "0"); // exits only
  }

  private static void awaitReady(int port, ChildJvm agent) throws Exception {
    Http.await("agent ready", Duration.ofSeconds(60), () -> {
      assertThat(agent.isAlive()).as("agent alive").isTrue();
      return Http.status("http://127.0.0.1:" + port + "/healthz") == 200;
    });
  }

  private static long metric(int port, String name) throws Exception {
    return Http.metric("http://127.0.0.1:" + port, name);
  }
}
