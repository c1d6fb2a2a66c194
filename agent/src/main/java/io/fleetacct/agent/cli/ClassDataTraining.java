package io.fleetacct.agent.cli;

import ch.qos.logback.classic.Level;
import io.fleetacct.agent.metrics.MetricsServer;
import io.fleetacct.agent.publish.ProducerSettings;
import io.fleetacct.agent.publish.Publisher;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.publish.SequenceJournal;
import io.fleetacct.agent.publish.Spool;
import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The training run of the agent's class-data-sharing archive, which the build makes at package
 * time ({@code -XX:ArchiveClassesAtExit}) and the launcher and the image start the agent with: the
 * JVM then maps the classes' parsed and verified form instead of loading them from the jars (0.6 s
 * less CPU at every start, docs/benchmarks.md). It goes through what {@code agent run} loads without
 * needing the kernel or a broker, so that any build can make the archive: the options, logging,
 * records and their Avro encoding, the publisher with its spool, journal and the real Kafka
 * producer sending to a closed port, the access check, and the metrics endpoint. Classes it
 * misses load from the jars as usual.
 */
public final class ClassDataTraining {

  private ClassDataTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("fleetacct-cds-training-");
    try {
      train(dir);
    } finally {
      Directories.deleteTree(dir);
    }
  }

  private static void train(Path dir) throws Exception {
    String nowhere = "127.0.0.1:" + closedPort();
    new CommandLine(new AgentCli()).parseArgs("run", "--bootstrap-servers", nowhere, "--spool-dir", dir.toString());
    // Logging is set up as at every start, then silenced: the producer's complaints about the closed
    // port are expected here.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.OFF);
    Properties producerProperties = ProducerSettings.build(nowhere, null, List.of("max.block.ms=100"));
    ProducerSettings.verifyAccess(producerProperties, Duration.ofMillis(100));
    PublisherCounters counters = new PublisherCounters();
    try (Spool spool = Spool.open(dir, 1L << 20);
         SequenceJournal journal = SequenceJournal.open(dir, "training", List.of("0"))) {
      Publisher publisher = new Publisher(new Publisher.Config("exits", "status", journal.agentInstance(), 10,
          Duration.ofMinutes(1), Duration.ZERO), ProducerSettings.create(producerProperties), spool, journal,
          "training", ClassDataTraining::status, counters).start();
      publisher.submit(exit(journal.agentInstance()), 0, 1, 0);
      try (MetricsServer metrics = MetricsServer.start("127.0.0.1", 0, new PrometheusRegistry(),
          () -> new MetricsServer.Health(true, "training"))) {
        try (InputStream in = URI.create("http://127.0.0.1:" + metrics.port() + "/metrics").toURL().openStream()) {
          in.readAllBytes();
        }
      }
      publisher.close(Duration.ZERO); // to the spool: encoded, framed and written
    }
  }

  private static TaskExit exit(String agentInstance) {
    KernelTimespec zero = new KernelTimespec(0L, 0L);
    TaskStats task = TaskStats.newBuilder().setVersion(17).setAcPid(1).setAcComm("training")
        .setCpuDelayMaxTs(zero).setBlkioDelayMaxTs(zero).setSwapinDelayMaxTs(zero).setFreepagesDelayMaxTs(zero)
        .setThrashingDelayMaxTs(zero).setCompactDelayMaxTs(zero).setWpcopyDelayMaxTs(zero).setIrqDelayMaxTs(zero)
        .build();
    return TaskExit.newBuilder().setHost("training").setBootId("training").setAgentInstance(agentInstance)
        .setAgentSeq(0).setReceivedAt(Instant.now()).setKernelRelease("training").setTask(task).build();
  }

  private static AgentStatus status(boolean last) {
    Instant now = Instant.now();
    return AgentStatus.newBuilder().setHost("training").setBootId("training").setAgentInstance("training")
        .setStartedAt(now).setSentAt(now).setKernelRelease("training").setStoppedAt(last ? now : null).build();
  }

  /** A loopback port nothing listens on: connecting is refused at once. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
