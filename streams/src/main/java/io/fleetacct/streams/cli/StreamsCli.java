package io.fleetacct.streams.cli;

import io.fleetacct.common.cli.ClientProperties;
import io.fleetacct.common.cli.Failures;
import io.fleetacct.common.cli.HttpOptions;
import io.fleetacct.common.cli.TopicOptions;
import io.fleetacct.common.cli.UntilStopped;
import io.fleetacct.common.cli.Version;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.Folding;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fleetacct-streams}: the aggregation application and its query API. */
@Command(name = "fleetacct-streams", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Aggregates exits into delay tables and answers the query API.",
    subcommands = {StreamsCli.Run.class, CommandLine.HelpCommand.class})
public final class StreamsCli {

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  static int run(PrintWriter out, PrintWriter err, String... args) {
    FleetacctSchemas.trustGeneratedClasses();
    return new CommandLine(new StreamsCli()).setOut(out).setErr(err)
        .setExecutionExceptionHandler(Failures.handler(null, KafkaException.class))
        .execute(args);
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Runs the streams application and its query API until SIGTERM or SIGINT.",
          "Creates missing topics. Output topics: <prefix>totals.<table> and <prefix>windows.<table> for the"
              + " tables by-host, by-cgroup, by-host-cgroup, by-program and by-program-thread."})
  static final class Run implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]")
    String bootstrapServers;

    @Option(names = "--application-id", defaultValue = "fleetacct-streams",
        description = "Kafka Streams application id: instances with the same id share the work (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", defaultValue = "/var/lib/fleetacct/streams",
        description = "RocksDB state (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Mixin HttpOptions http;

    @Option(names = "--advertised-host", description = "How other instances reach this one (default: --http-bind).")
    String advertisedHost;

    @Option(names = "--window-size", defaultValue = "60", paramLabel = "SECONDS", description = "Window size (default: ${DEFAULT-VALUE}).")
    long windowSeconds;

    /** Before 0.3.0: how late a record could be; accepted so that old command lines still start. */
    @Option(names = "--grace", hidden = true, paramLabel = "SECONDS")
    Long graceSeconds;

    @Option(names = "--retention", defaultValue = "604800", paramLabel = "SECONDS",
        description = "How long windows are kept, and how late a record may arrive and still count in its window"
            + " (default: ${DEFAULT-VALUE}, 7 days).")
    long retentionSeconds;

    @Option(names = "--standby-replicas", defaultValue = "1",
        description = "Standby copies of each store on other instances, for failover (default: ${DEFAULT-VALUE}).")
    int standbyReplicas;

    @Mixin TopicOptions topics;

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC",
        description = "Where records that cannot be read go (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic = FleetacctTopology.Config.DEFAULT_DEAD_LETTER_TOPIC;

    @Option(names = "--output-prefix", description = "Prefix of the output topics (default: ${DEFAULT-VALUE}).")
    String outputPrefix = FleetacctTopology.Config.DEFAULT_OUTPUT_PREFIX;

    @Option(names = "--topic-partitions", defaultValue = "6", description = "Partitions of topics it creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "-1",
        description = "Replication factor of every topic it creates, its internal ones (changelogs, repartition)"
            + " included (default: the brokers' default.replication.factor; use 3 on a cluster of three or more).")
    short replicationFactor;

    @Option(names = "--min-insync-replicas", defaultValue = "-1",
        description = "min.insync.replicas of every topic it creates (default: the brokers' own; use 2 with"
            + " replication factor 3, so that a write needs two copies and one broker may be down).")
    int minInsyncReplicas;

    @Option(names = "--command-rule", paramLabel = "REGEX=REPLACEMENT",
        description = "Folds command names that match REGEX (the whole name) into REPLACEMENT ($1: a group);"
            + " repeatable, the first match wins, before the default rule (kworker/u16:3 -> kworker/*).")
    List<String> commandRules = new ArrayList<>();

    @Option(names = "--thread-rule", paramLabel = "REGEX=REPLACEMENT",
        description = "Folds thread names likewise; a name no rule matches has its digits folded"
            + " (pool-1-thread-37 -> pool-*-thread-*). Repeatable.")
    List<String> threadRules = new ArrayList<>();

    @Option(names = "--streams-config", paramLabel = "FILE", description = "Kafka Streams and client properties (SASL, TLS, ...).")
    Path streamsConfig;

    @Option(names = "-X", paramLabel = "KEY=VALUE", description = "A Kafka Streams or client property; repeatable, applied last.")
    List<String> overrides = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (graceSeconds != null) {
        spec.commandLine().getErr().println("--grace is ignored: since 0.3.0 windows take late records for the"
            + " whole --retention");
      }
      http.validate();
      if (windowSeconds < 1 || retentionSeconds < windowSeconds
          || standbyReplicas < 0 || partitions < 1 || replicationFactor == 0 || replicationFactor < -1
          || minInsyncReplicas == 0 || minInsyncReplicas < -1) {
        throw new IllegalArgumentException("need --window-size >= 1, --retention >= --window-size,"
            + " --standby-replicas >= 0, --topic-partitions >= 1, and --replication-factor and"
            + " --min-insync-replicas >= 1 (or -1: the brokers' default)");
      }
      Properties settings = new Properties();
      if (replicationFactor > 0) {
        settings.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(replicationFactor));
      }
      if (minInsyncReplicas > 0) {
        settings.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), String.valueOf(minInsyncReplicas));
      }
      Properties extra = ClientProperties.apply(settings, streamsConfig, overrides);
      Folding folding = Folding.of(commandRules.stream().map(Folding.Rule::parse).toList(),
          threadRules.stream().map(Folding.Rule::parse).toList());
      FleetacctTopology.Config topology = new FleetacctTopology.Config(topics.exits, topics.status, deadLetterTopic,
          outputPrefix, Duration.ofSeconds(windowSeconds), Duration.ofSeconds(retentionSeconds), folding);
      try (UntilStopped life = UntilStopped.install("streams", Duration.ofSeconds(60));
           StreamsApp app = StreamsApp.start(new StreamsApp.Config(bootstrapServers, applicationId, stateDir,
               http.bind, http.port, advertisedHost == null ? http.bind : advertisedHost, standbyReplicas, topology,
               partitions, extra))) {
        System.out.println("query API: " + app.url() + "/v1");
        life.await();
      }
      return 0;
    }
  }
}
