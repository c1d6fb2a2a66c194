package io.fleetacct.standalone.cli;

import io.fleetacct.agent.Agent;
import io.fleetacct.agent.cli.AgentOptions;
import io.fleetacct.agent.cli.AttributionOption;
import io.fleetacct.agent.host.DelayAccounting;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.common.cli.Failures;
import io.fleetacct.common.cli.HttpOptions;
import io.fleetacct.common.cli.UntilStopped;
import io.fleetacct.common.cli.Version;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.standalone.BrokerClassData;
import io.fleetacct.standalone.OneHost;
import io.fleetacct.standalone.StartPhases;
import io.fleetacct.standalone.log.LogFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./fleetacct up}: the whole pipeline on this host, until Ctrl-C. */
@Command(name = "fleetacct up", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Runs everything on this host: a Kafka broker (embedded, unless --bootstrap-servers names a"
        + " cluster), the agent for all CPUs, and the streams application with the query API.",
        "Ctrl-C (SIGINT) or SIGTERM stops it all cleanly; starting again continues from --state-dir."})
public final class UpCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--state-dir", defaultValue = ".fleetacct",
      description = "Broker data, streams state and the agent's spool (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
      description = "Use this Kafka cluster instead of the embedded broker.")
  String bootstrapServers;

  @Mixin HttpOptions http;

  @Option(names = "--agent-metrics-port", paramLabel = "PORT",
      description = "Port of the agent's /metrics and /healthz on 127.0.0.1 (default: ${DEFAULT-VALUE}; -1: off).")
  int agentMetricsPort = Agent.Config.DEFAULT_METRICS_PORT;

  @Mixin AgentOptions agentOptions;

  @Mixin AttributionOption attribution;

  @Option(names = "--topic-partitions", defaultValue = "2",
      description = "Partitions of the topics it creates (default: ${DEFAULT-VALUE}).")
  int topicPartitions;

  @Option(names = "--status-interval", defaultValue = "10", paramLabel = "SECONDS",
      description = "Seconds between status lines (default: ${DEFAULT-VALUE}; 0: none).")
  int statusSeconds;

  @Option(names = "--verbose", description = "Also say where the start's time went.")
  boolean verbose;

  private Path logFile;
  /** From main() on: options, checks, each part's start. */
  private final StartPhases phases = new StartPhases();

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  static int run(PrintWriter out, PrintWriter err, String... args) {
    FleetacctSchemas.trustGeneratedClasses();
    return new CommandLine(new UpCommand()).setOut(out).setErr(err)
        .setExecutionExceptionHandler(Failures.handler("fleetacct up", OneHost.StartupException.class,
            NetlinkException.class, EmbeddedKafkaBroker.BrokerStartException.class, KafkaException.class))
        .execute(args);
  }

  @Override
  public Integer call() throws Exception {
    http.validate();
    Duration sampleInterval = agentOptions.sampleInterval();
    if (agentMetricsPort < -1 || agentMetricsPort > 65535 || topicPartitions < 1 || statusSeconds < 0) {
      throw new IllegalArgumentException("need --agent-metrics-port -1-65535, --topic-partitions >= 1 and"
          + " --status-interval >= 0");
    }
    PrintWriter out = spec.commandLine().getOut();
    OneHost.Config config = new OneHost.Config(stateDir.toAbsolutePath(), bootstrapServers, http.bind, http.port,
        agentMetricsPort, agentOptions.host, agentOptions.enableDelayacct, topicPartitions, attribution.mode,
        sampleInterval, BrokerClassData.use());
    try (UntilStopped life = UntilStopped.install("fleetacct up", Duration.ofSeconds(90))) {
      // The log moves to the state directory only once the start is not refused: a refusal leaves no trace.
      phases.done("options");
      OneHost h = OneHost.start(config, phases, () -> logFile = LogFile.use(stateDir.toAbsolutePath()));
      try {
        runUntilStopped(h, life, out);
      } finally {
        h.stop(line -> {
          out.println(line);
          out.flush();
        });
      }
      out.println("fleetacct stopped.");
    }
    return 0;
  }

  /** Says where everything is, then a status line every interval until a signal. */
  private void runUntilStopped(OneHost h, UntilStopped life, PrintWriter out) throws InterruptedException {
    out.printf("fleetacct is up in %.1f s: host %s, Kafka at %s, state in %s%n", StartTime.secondsSince(),
        h.host(), h.bootstrapServers(), stateDir.toAbsolutePath());
    if (verbose) {
      out.printf("start: launcher and JVM %.1f s, %s%n", StartTime.launcherSeconds(phases.began()),
          phases.describe());
    }
    out.println("log: " + logFile + " (here: fleetacct's warnings and any errors)");
    out.println("web console: " + h.url() + "/");
    out.println("query API: " + h.url() + "/v1   try:");
    h.exampleCommands().forEach(c -> out.println("  " + c));
    if (!new DelayAccounting(HostRoot.real()).enabled()) {
      out.println("note: kernel.task_delayacct is 0, so only CPU delays are accounted; run with"
          + " --enable-delayacct or `sysctl kernel.task_delayacct=1` for block IO, swap-in, reclaim and the rest");
    }
    out.println("Ctrl-C stops everything.");
    out.flush();
    if (statusSeconds == 0) {
      life.await();
    }
    while (!life.await(Duration.ofSeconds(statusSeconds))) {
      out.println(h.statusLine());
      out.flush();
    }
    out.println("stopping: deregistering, draining to Kafka, closing streams, stopping the broker...");
    out.flush();
  }
}
