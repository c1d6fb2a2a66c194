package io.fleetacct.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.publish.ProducerSettings;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.agent.testing.TestCgroup;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole agent against the real kernel and a real broker. */
@WithKafkaBroker
@IntegrationTest
class AgentKafkaTest {

  @TempDir Path spoolDir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  static Agent.Config.Builder config(String bootstrap, String topic, Path spoolDir, int queueCapacity,
                                     long spoolMaxBytes) throws Exception {
    return Agent.Config.builder(ExitListener.Options.defaults(CpuList.possible(HostRoot.real())),
            ProducerSettings.build(bootstrap, null, List.of()), spoolDir)
        .host("test-host-" + topic).topics(topic, topic + ".status").spool(spoolMaxBytes, queueCapacity)
        .heartbeatInterval(Duration.ofSeconds(1)).metrics("127.0.0.1", 0).sampleInterval(Duration.ZERO);
  }

  @Test
  void twoThousandExitsArriveAsExactlyTheRecordsTheKernelSent(EmbeddedKafkaBroker broker) throws Exception {
    String topic = "agent-exits-" + UUID.randomUUID().toString().substring(0, 8);
    broker.createTopic(topic, 3);
    broker.createTopic(topic + ".status", 1);
    String prefix = "ak" + UUID.randomUUID().toString().substring(0, 4);
    Map<Long, ExitNotification> kernelSaid = new ConcurrentHashMap<>();
    List<Workload.Child> children;
    Agent agent;
    try (TestCgroup cgroup = TestCgroup.create();
         ExitListener reference = ExitListener.start(ExitListener.Options.defaults(CpuList.possible(HostRoot.real())),
             (exit, at, socket, missed) -> {
               if (exit.acComm().startsWith(prefix)) {
                 kernelSaid.put(exit.pid(), exit.copy());
               }
             }, new ListenerCounters())) {
      agent = Agent.start(config(broker.bootstrapServers(), topic, spoolDir, 10_000, 1L << 30).build());
      try {
        children = Workload.run(2_000, prefix, cgroup.procsFile());
        int expected = children.stream().mapToInt(c -> c.threads() + 1).sum();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (kernelSaid.size() < expected && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        Thread.sleep(500); // the agent's socket is read like the reference's
      } finally {
        agent.close();
      }

      int expected = children.stream().mapToInt(c -> c.threads() + 1).sum();
      long published = agent.publisherCounters().published.sum();
      List<TaskExit> all = Topics.readAll(broker.bootstrapServers(), topic, FleetacctSerdes.taskExit(),
          got -> got.size() >= published, Duration.ofSeconds(60));

      // agent_seq: exactly 0 .. n-1, each once, for this instance.
      List<Long> seqs = all.stream().filter(r -> r.getAgentInstance().equals(agent.agentInstance()))
          .map(TaskExit::getAgentSeq).sorted().toList();
      assertThat(seqs).hasSize((int) published);
      for (int i = 0; i < seqs.size(); i++) {
        assertThat(seqs.get(i)).isEqualTo(i);
      }
      assertThat(agent.publisherCounters().dropped.sum()).isZero();

      List<TaskExit> ours = all.stream().filter(r -> r.getTask().getAcComm().startsWith(prefix)).toList();
      assertThat(ours).hasSize(expected);
      assertThat(kernelSaid).hasSize(expected);
      Set<Long> childPids = children.stream().map(Workload.Child::pid).collect(Collectors.toSet());
      List<String> wrong = ours.stream().filter(r -> !cgroup.path().equals(r.getCgroup()))
          .map(r -> r.getTask().getAcComm() + "/" + r.getTask().getAcPid() + "/" + r.getTask().getAcTgid() + "/flag"
              + r.getTask().getAcFlag() + "/" + r.getCgroup()).toList();
      assertThat(wrong).as("exits attributed elsewhere").isEmpty();
      for (TaskExit r : ours) {
        ExitNotification k = kernelSaid.get(r.getTask().getAcPid());
        assertThat(r.getTask()).as("task of %d", r.getTask().getAcPid()).isEqualTo(k.task());
        assertThat(r.getThreadGroup()).isEqualTo(k.threadGroup());
        assertThat(r.getHost()).isEqualTo("test-host-" + topic);
        assertThat(childPids).contains(r.getTask().getAcTgid());
      }
      assertThat(all.stream().filter(r -> cgroup.path().equals(r.getCgroup())).count())
          .as("records of the test cgroup: the children's and the workload parent's")
          .isEqualTo(expected + 1);

      // Its last heartbeat says it stopped, with its final counters.
      List<AgentStatus> statuses = Topics.readAll(broker.bootstrapServers(), topic + ".status",
          FleetacctSerdes.agentStatus(), got -> got.stream().anyMatch(st -> st.getStoppedAt() != null),
          Duration.ofSeconds(30));
      AgentStatus last = statuses.get(statuses.size() - 1);
      assertThat(last.getStoppedAt()).as("the last status of a clean stop").isNotNull();
      assertThat(statuses.subList(0, statuses.size() - 1)).as("the ones before it")
          .allSatisfy(st -> assertThat(st.getStoppedAt()).isNull());
      assertThat(last.getReceived()).isEqualTo(agent.listenerCounters().received.sum());
      assertThat(last.getPublished()).isEqualTo(published);
      assertThat(last.getSpooledRecords()).isZero();
    }
  }

  @Test
  void aHostFiveMinutesBehindStampsByItsClockAndMeasuresTheOffsetOnTheBrokers(EmbeddedKafkaBroker broker)
      throws Exception {
    String topic = "agent-clock-" + UUID.randomUUID().toString().substring(0, 8);
    broker.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(topic + ".status", 1, (short) 1)
        .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))));
    String prefix = "ac" + UUID.randomUUID().toString().substring(0, 4);
    Duration behind = Duration.ofMinutes(5);
    Agent agent = Agent.start(config(broker.bootstrapServers(), topic, spoolDir, 10_000, 1L << 30)
        .clock(Clock.offset(Clock.systemUTC(), behind.negated())).build());
    Instant before = Instant.now();
    try {
      Workload.run(20, prefix, null);
      Thread.sleep(4_000); // heartbeats every second, each a measurement
    } finally {
      agent.close();
    }
    Instant after = Instant.now();
    List<TaskExit> exits = Topics.readAll(broker.bootstrapServers(), topic, FleetacctSerdes.taskExit(),
        got -> got.stream().filter(e -> e.getTask().getAcComm().startsWith(prefix)).count() >= 20,
        Duration.ofSeconds(30)).stream().filter(e -> e.getTask().getAcComm().startsWith(prefix)).toList();
    assertThat(exits).hasSizeGreaterThanOrEqualTo(20).allSatisfy(e -> assertThat(e.getReceivedAt())
        .as("received_at by the host's clock").isBetween(before.minus(behind), after.minus(behind)));
    List<AgentStatus> statuses = Topics.readAll(broker.bootstrapServers(), topic + ".status",
        FleetacctSerdes.agentStatus(), got -> got.stream().anyMatch(st -> st.getStoppedAt() != null),
        Duration.ofSeconds(30));
    AgentStatus last = statuses.get(statuses.size() - 1);
    assertThat(last.getClockOffsetMs()).as("offset measured").isNotNull();
    assertThat(Math.abs(last.getClockOffsetMs() - behind.toMillis()))
        .as("broker minus host, %d ms, within its error of %d ms", last.getClockOffsetMs(), last.getClockOffsetErrorMs())
        .isLessThanOrEqualTo(last.getClockOffsetErrorMs() + 2);
    assertThat(last.getDeliveredUntil()).as("the last heartbeat of a drained stop: its own time")
        .isEqualTo(last.getSentAt());
  }
}
