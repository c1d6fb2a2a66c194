package io.fleetacct.agent.cli;

import io.fleetacct.agent.Agent;
import io.fleetacct.agent.publish.ProducerSettings;
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

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--topic", defaultValue = "fleetacct.exits", description = "Exits topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--status-topic", defaultValue = "fleetacct.agent-status",
      description = "Heartbeat topic (default: ${DEFAULT-VALUE}).")
  String statusTopic;

  @Option(names = "--producer-config", paramLabel = "FILE",
      description = "Kafka producer properties (SASL, TLS, ...), applied over the defaults.")
  Path producerConfig;

  @Option(names = "-X", paramLabel = "KEY=VALUE", description = "A Kafka producer property; repeatable, applied last.")
  List<String> producerOverrides = new ArrayList<>();

  @Option(names = "--host", description = "Host name to report (default: $NODE_NAME, else the kernel's).")
  String host;

  @Option(names = "--spool-dir", defaultValue = "/var/lib/fleetacct/spool",
      description = "Where records wait while Kafka is away; survives restarts (default: ${DEFAULT-VALUE}).")
  Path spoolDir;

  @Option(names = "--spool-max-bytes", defaultValue = "1073741824",
      description = "Spool size bound; when full, new records are dropped and counted (default: ${DEFAULT-VALUE}).")
  long spoolMaxBytes;

  @Option(names = "--queue-capacity", defaultValue = "10000",
      description = "Records held in memory for Kafka before spooling (default: ${DEFAULT-VALUE}).")
  int queueCapacity;

  @Option(names = "--heartbeat-interval", defaultValue = "10", paramLabel = "SECONDS",
      description = "Seconds between AgentStatus heartbeats (default: ${DEFAULT-VALUE}).")
  long heartbeatSeconds;

  @Option(names = "--shutdown-timeout", defaultValue = "10", paramLabel = "SECONDS",
      description = "On SIGTERM, how long to drain to Kafka before spooling the rest (default: ${DEFAULT-VALUE}).")
  long shutdownSeconds;

  @Option(names = "--metrics-port", defaultValue = "9464",
      description = "Port of /metrics and /healthz (default: ${DEFAULT-VALUE}; -1: off; 0: any free port).")
  int metricsPort;

  @Option(names = "--metrics-bind", defaultValue = "127.0.0.1",
      description = "Address of /metrics and /healthz (default: ${DEFAULT-VALUE}).")
  String metricsBind;

  @Option(names = "--sample-interval", defaultValue = "60", paramLabel = "SECONDS",
      description = "Seconds between samples of every live thread (TaskSample records, so that long-running"
          + " processes are accounted every interval, not only when they exit; default: ${DEFAULT-VALUE};"
          + " 0: exits only).")
  long sampleSeconds;

  @Option(names = "--enable-delayacct",
      description = "Turn kernel.task_delayacct on (needs CAP_SYS_ADMIN); it covers tasks started afterwards.")
  boolean enableDelayacct;

  @Override
  public Integer call() throws Exception {
    if (queueCapacity < 1 || spoolMaxBytes < 1 || heartbeatSeconds < 1 || shutdownSeconds < 0 || sampleSeconds < 0) {
      throw new IllegalArgumentException("--queue-capacity, --spool-max-bytes and --heartbeat-interval must be"
          + " positive, --shutdown-timeout and --sample-interval not negative");
    }
    Agent.Config config = new Agent.Config(listenerOptions.toOptions(), host,
        ProducerSettings.build(bootstrapServers, producerConfig, producerOverrides), topic, statusTopic, spoolDir,
        spoolMaxBytes, queueCapacity, Duration.ofSeconds(heartbeatSeconds), Duration.ofSeconds(shutdownSeconds),
        metricsBind, metricsPort, enableDelayacct, listenerOptions.attribution, Duration.ofSeconds(sampleSeconds));
    // The signal's hook holds the JVM while the agent drains (bounded by --shutdown-timeout) and closes.
    try (UntilStopped life = UntilStopped.install("agent", Duration.ofSeconds(shutdownSeconds + 30));
         Agent agent = Agent.start(config)) {
      life.await();
    }
    return 0;
  }
}
