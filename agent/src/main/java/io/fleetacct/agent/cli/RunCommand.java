package io.fleetacct.agent.cli;

import io.fleetacct.agent.Agent;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.publish.ProducerSettings;
import io.fleetacct.common.cli.TopicOptions;
import io.fleetacct.common.cli.UntilStopped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Runs the agent: every exit of this host to Kafka as a TaskExit record (Avro), with a disk"
        + " spool while Kafka is away, a heartbeat, and Prometheus metrics.",
        "SIGTERM or SIGINT deregisters from the kernel, drains to Kafka within --shutdown-timeout, spools the"
            + " rest and exits."})
final class RunCommand implements Callable<Integer> {

  @Mixin ListenerOptions listenerOptions;

  @Mixin AgentOptions agentOptions;

  @Mixin TopicOptions topics;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--producer-config", paramLabel = "FILE",
      description = "Kafka producer properties (SASL, TLS, ...), applied over the defaults.")
  Path producerConfig;

  @Option(names = "-X", paramLabel = "KEY=VALUE", description = "A Kafka producer property; repeatable, applied last.")
  List<String> producerOverrides = new ArrayList<>();

  @Option(names = "--spool-dir", paramLabel = "DIR",
      description = "Where records wait while Kafka is away; survives restarts (default: ${DEFAULT-VALUE}).")
  Path spoolDir = Path.of("/var/lib/fleetacct/spool");

  @Option(names = "--spool-max-bytes", paramLabel = "BYTES",
      description = "Spool size bound; when full, new records are dropped and counted (default: ${DEFAULT-VALUE}).")
  long spoolMaxBytes = Agent.Config.DEFAULT_SPOOL_MAX_BYTES;

  @Option(names = "--queue-capacity", paramLabel = "RECORDS",
      description = "Records held in memory for Kafka before spooling (default: ${DEFAULT-VALUE}).")
  int queueCapacity = Agent.Config.DEFAULT_QUEUE_CAPACITY;

  @Option(names = "--heartbeat-interval", paramLabel = "SECONDS",
      description = "Seconds between AgentStatus heartbeats (default: ${DEFAULT-VALUE}).")
  long heartbeatSeconds = Agent.Config.DEFAULT_HEARTBEAT_INTERVAL.toSeconds();

  @Option(names = "--shutdown-timeout", paramLabel = "SECONDS",
      description = "On SIGTERM, how long to drain to Kafka before spooling the rest (default: ${DEFAULT-VALUE}).")
  long shutdownSeconds = Agent.Config.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds();

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Port of /metrics and /healthz (default: ${DEFAULT-VALUE}; -1: off; 0: any free port).")
  int metricsPort = Agent.Config.DEFAULT_METRICS_PORT;

  @Option(names = "--metrics-bind", paramLabel = "ADDRESS",
      description = "Address of /metrics and /healthz (default: ${DEFAULT-VALUE}).")
  String metricsBind = Agent.Config.DEFAULT_METRICS_HOST;

  @Override
  public Integer call() throws Exception {
    if (queueCapacity < 1 || spoolMaxBytes < 1 || heartbeatSeconds < 1 || shutdownSeconds < 0) {
      throw new IllegalArgumentException("--queue-capacity, --spool-max-bytes and --heartbeat-interval must be"
          + " positive, --shutdown-timeout not negative");
    }
    HostRoot root = HostRoot.real();
    Agent.Config config = agentOptions.applyTo(Agent.Config.builder(listenerOptions.toOptions(root),
            ProducerSettings.build(bootstrapServers, producerConfig, producerOverrides), spoolDir))
        .topics(topics.exits, topics.status).spool(spoolMaxBytes, queueCapacity)
        .heartbeatInterval(Duration.ofSeconds(heartbeatSeconds)).shutdownTimeout(Duration.ofSeconds(shutdownSeconds))
        .metrics(metricsBind, metricsPort).attribution(listenerOptions.attribution.mode).root(root).build();
    // The signal's hook holds the JVM while the agent drains (bounded by --shutdown-timeout) and closes.
    try (UntilStopped life = UntilStopped.install("agent", Duration.ofSeconds(shutdownSeconds + 30));
         Agent agent = Agent.start(config)) {
      life.await();
    }
    return 0;
  }
}
