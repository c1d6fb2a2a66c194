package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.standalone.testing.KernelTotals;
import io.fleetacct.standalone.testing.TestCertificates;
import io.fleetacct.streams.cli.StreamsCli;
import io.fleetacct.testing.Http;
import io.fleetacct.testing.IntegrationTest;
import io.fleetacct.testing.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authenticated Kafka: the embedded broker with SASL_SSL (SCRAM-SHA-512 over TLS, a certificate
 * made by the test); the agent and the streams application reach it through their configuration
 * files alone and count a workload exactly; with a wrong password each fails fast, says why, and
 * writes nothing.
 */
@IntegrationTest
class SaslSslTest {

  private static final String USER = "fleetacct";

  @TempDir Path dir;

  @BeforeEach
  void needsTheKernelInterface() {
    KernelAssumptions.assumeExitNotifications();
  }

  @Test
  void agentAndStreamsWorkOverSaslSslAndAWrongPasswordFailsFastWritingNothing() throws Exception {
    TestCertificates certs = TestCertificates.generate(dir, "store-" + UUID.randomUUID());
    String password = "pw-" + UUID.randomUUID();
    EmbeddedKafkaBroker.SaslSsl sasl = new EmbeddedKafkaBroker.SaslSsl(certs.keystore(), certs.truststore(),
        certs.password(), USER, password);
    String id = UUID.randomUUID().toString().substring(0, 6);
    String prefix = "ss" + id.substring(0, 4);
    String app = "sasl-" + id;
    Path good = clientConfig("client.properties", sasl.clientProperties(USER, password));
    Path bad = clientConfig("wrong-password.properties", sasl.clientProperties(USER, password + "-wrong"));

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().saslSsl(sasl).build().start()) {
      // A wrong password: both fail within seconds, with the reason, before writing anything to
      // Kafka; the agent keeps the exits it received meanwhile in its spool for the next start.
      Path badSpool = dir.resolve("bad-spool");
      Failure agentFailure = runToFailure(ChildJvm.start("agent (wrong password)", AgentCli.class,
          dir.resolve("agent-bad.log"), agentArgs(broker, bad, "bad-" + app, badSpool, LoopbackPorts.free())),
          dir.resolve("agent-bad.log"));
      assertThat(agentFailure.log()).contains("Kafka refused the agent's authentication")
          .contains("SCRAM-SHA-512");
      assertThat(agentFailure.log()).containsPattern("\\d+ exits received while checking: 0 dropped, the rest kept"
          + " in the spool for the next start");
      Failure streamsFailure = runToFailure(ChildJvm.start("streams (wrong password)", StreamsCli.class,
          dir.resolve("streams-bad.log"), streamsArgs(broker, bad, "bad-" + app, LoopbackPorts.free())),
          dir.resolve("streams-bad.log"));
      assertThat(streamsFailure.log()).contains("refused the authentication");
      try (Admin admin = broker.admin()) {
        Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        assertThat(topics).as("nothing was created with the wrong password")
            .noneMatch(t -> t.startsWith("bad-"));
      }
      System.out.printf("sasl: wrong password: agent exited %d after %d ms, streams exited %d after %d ms%n",
          agentFailure.status(), agentFailure.millis(), streamsFailure.status(), streamsFailure.millis());

      // The right password: the whole chain, and exact counts.
      ConcurrentLinkedQueue<TaskStats> kernelSaid = new ConcurrentLinkedQueue<>();
      ListenerCounters referenceCounters = new ListenerCounters();
      int apiPort = LoopbackPorts.free();
      int metricsPort = LoopbackPorts.free();
      String api = "http://127.0.0.1:" + apiPort;
      try (ChildJvm streams = ChildJvm.start("streams", StreamsCli.class, dir.resolve("streams.log"),
               streamsArgs(broker, good, app, apiPort));
           ExitListener reference = ExitListener.start(ExitListener.Options.defaults(CpuList.possible(HostRoot.real())),
               (exit, at, socket, missed) -> {
                 if (exit.acComm().startsWith(prefix)) {
                   kernelSaid.add(exit.task());
                 }
               }, referenceCounters)) {
        Http.await("streams running over SASL_SSL", Duration.ofSeconds(90),
            () -> Http.status(api + "/healthz") == 200);
        try (ChildJvm agent = ChildJvm.start("agent", AgentCli.class, dir.resolve("agent.log"),
            agentArgs(broker, good, app, dir.resolve("spool"), metricsPort))) {
          String metrics = "http://127.0.0.1:" + metricsPort;
          Http.await("agent delivering over SASL_SSL", Duration.ofSeconds(60),
              () -> Http.status(metrics + "/healthz") == 200);
          List<Workload.Child> children = Workload.run(300, prefix, null);
          int expected = children.stream().mapToInt(c -> c.threads() + 1).sum();
          Http.await("the kernel reported every exit", Duration.ofSeconds(30), () -> kernelSaid.size() >= expected);
          assertThat(referenceCounters.kernelOverflowEvents.sum()).isZero();
          Map<String, List<TaskStats>> byCommand = kernelSaid.stream()
              .collect(Collectors.groupingBy(TaskStats::getAcComm));
          for (var e : byCommand.entrySet()) {
            Map<String, Long> want = KernelTotals.of(e.getValue());
            String path = api + "/v1/commands/" + e.getKey() + "/totals";
            Http.await("totals of " + e.getKey(), Duration.ofSeconds(60),
                () -> Http.json(path).path("exits").asLong() >= want.get("exits"));
            JsonNode got = Http.answer(path);
            assertThat(KernelTotals.reported(got)).as("totals of %s over SASL_SSL", e.getKey()).isEqualTo(want);
          }
          System.out.printf("sasl: %d exits of %d processes counted exactly over SASL_SSL%n", expected,
              children.size());
          assertThat(agent.stop(60)).as("agent stopped by SIGTERM").isIn(0, 143);
        }
      }
    }
  }

  private record Failure(int status, long millis, String log) {}

  /** Waits up to 60 s for the process to exit, which it must, non-zero. */
  private static Failure runToFailure(ChildJvm child, Path log) throws Exception {
    long start = System.nanoTime();
    try (child) {
      Http.await("a clear failure", Duration.ofSeconds(60), () -> !child.isAlive());
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    int status = child.exitValue();
    assertThat(status).as("exit status of a refused client").isNotZero();
    return new Failure(status, millis, Files.readString(log));
  }

  private Path clientConfig(String name, Map<String, String> props) throws IOException {
    StringBuilder text = new StringBuilder();
    props.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
    return Files.writeString(dir.resolve(name), text);
  }

  private static String[] agentArgs(EmbeddedKafkaBroker broker, Path config, String app, Path spool, int port) {
    return new String[] {"run", "--bootstrap-servers", broker.bootstrapServers(), "--producer-config",
        config.toString(), "--topic", app + ".exits", "--status-topic", app + ".status", "--spool-dir",
        spool.toString(), "--metrics-port", String.valueOf(port), "--host", "sasl-host", "--heartbeat-interval", "1"};
  }

  private String[] streamsArgs(EmbeddedKafkaBroker broker, Path config, String app, int port) throws IOException {
    return new String[] {"run", "--bootstrap-servers", broker.bootstrapServers(), "--streams-config",
        config.toString(), "--application-id", app, "--state-dir", Files.createDirectories(dir.resolve(app)).toString(),
        "--http-port", String.valueOf(port), "--exits-topic", app + ".exits", "--status-topic", app + ".status",
        "--dead-letter-topic", app + ".dlq", "--output-prefix", app + ".", "--topic-partitions", "1"};
  }
}
