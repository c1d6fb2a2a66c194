package io.fleetacct.standalone;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.agent.Agent;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.metrics.AgentFigure;
import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.agent.host.DirectoryLock;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.host.Preconditions;
import io.fleetacct.agent.publish.ProducerSettings;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything on one host: a broker (embedded, unless an existing cluster is named), the streams
 * application with its query API, and the agent for all CPUs. State lives under one directory, so
 * starting again continues where the last run stopped. {@link #close()} stops in the order that
 * loses nothing: the agent deregisters and drains to Kafka, then streams commits and closes, then
 * the broker stops.
 */
public final class OneHost implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OneHost.class);
  private static final String APPLICATION_ID = "fleetacct";
  /** Everything runs on this host: its /proc and /sys. */
  private static final HostRoot ROOT = HostRoot.real();

  /**
   * @param bootstrapServers an existing Kafka cluster, or null for the embedded broker
   * @param agentMetricsPort the agent's /metrics port (-1: off, 0: any free port)
   * @param host the host name to report, or null for $NODE_NAME or the kernel's
   * @param brokerJvmArgs options for the embedded broker's JVM (e.g. its class-data-sharing archive)
   */
  public record Config(Path stateDir, String bootstrapServers, String httpBind, int httpPort, int agentMetricsPort,
                       String host, boolean enableDelayacct, int topicPartitions, AttributionMode attribution,
                       Duration sampleInterval, List<String> brokerJvmArgs) {
    public Config {
      brokerJvmArgs = List.copyOf(brokerJvmArgs);
    }
  }

  /** Why the one-host mode cannot start, in one line that says what to do; nothing was left running. */
  public static final class StartupException extends Exception {
    StartupException(String message) {
      super(message);
    }
  }

  private final Config config;
  private final String host;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();
  private DirectoryLock lock;
  private EmbeddedKafkaBroker broker;
  private StreamsApp streams;
  private Agent agent;

  private OneHost(Config config, String host) {
    this.config = config;
    this.host = host;
  }

  /** Checks every precondition, then starts broker, streams and agent; on any failure stops what started. */
  public static OneHost start(Config config) throws Exception {
    return start(config, new StartPhases(), () -> {});
  }

  /**
   * As {@link #start(Config)}, ending a step in {@code phases} as each part is up, and running
   * {@code checked} once every precondition holds and before anything starts: what the caller must
   * not do for a start that is refused (e.g. open a log file).
   */
  public static OneHost start(Config config, StartPhases phases, Runnable checked) throws Exception {
    List<String> unmet = new ArrayList<>(Preconditions.unmet(ROOT));
    unmet.addAll(portsInUse(config));
    if (!unmet.isEmpty()) {
      throw new StartupException(String.join("\n", unmet));
    }
    checked.run();
    OneHost h = new OneHost(config, HostIdentity.detect(config.host(), ROOT).host());
    phases.done("checks");
    try {
      h.startAll(phases);
      return h;
    } catch (Exception | Error e) {
      h.close();
      throw e;
    }
  }

  private void startAll(StartPhases phases) throws Exception {
    Files.createDirectories(config.stateDir());
    lock();
    String bootstrap = config.bootstrapServers();
    if (bootstrap == null) {
      EmbeddedKafkaBroker.Builder b = EmbeddedKafkaBroker.builder().dataDir(config.stateDir().resolve("kafka"))
          .keepData(true);
      config.brokerJvmArgs().forEach(b::jvmArg);
      broker = b.build().start();
      bootstrap = broker.bootstrapServers();
      phases.done("broker");
    }
    FleetacctTopology.Config topology = FleetacctTopology.Config.defaults();
    // Static membership: a restart takes its old place in the group at once, instead of waiting out
    // the session timeout (45 s) of a member that Kafka Streams never makes leave.
    Properties streamsProps = new Properties();
    streamsProps.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), APPLICATION_ID + "-" + host);
    // Kafka Streams checks this often whether the internal topics it created are ready (30 topics
    // took 2.3 s at the default 100 ms, one more ready at each check); the clients retry this soon
    // against a broker on the same host, backing off exponentially to 1 s.
    streamsProps.put(StreamsConfig.RETRY_BACKOFF_MS_CONFIG, 10);
    StreamsApp.Config streamsConfig = new StreamsApp.Config(bootstrap, APPLICATION_ID,
        config.stateDir().resolve("streams"), config.httpBind(), config.httpPort(), advertised(config.httpBind()), 0,
        topology, config.topicPartitions(), streamsProps);
    // The topics first, as the agent writes to them; then the agent starts beside streams.
    StreamsApp.createMissingTopics(streamsConfig);
    // One socket per CPU: a small host's agent counts every exit it loses, across restarts too.
    Agent.Config agentConfig = Agent.Config.builder(ExitListener.Options.perCpu(CpuList.possible(ROOT)),
            ProducerSettings.build(bootstrap, null, List.of()), config.stateDir().resolve("spool"))
        .host(host).topics(topology.exitsTopic(), topology.statusTopic())
        .metrics(Agent.Config.DEFAULT_METRICS_HOST, config.agentMetricsPort()).enableDelayacct(config.enableDelayacct())
        .attribution(config.attribution()).sampleInterval(config.sampleInterval()).root(ROOT).build();
    FutureTask<Agent> agentStart = new FutureTask<>(() -> Agent.start(agentConfig));
    new Thread(agentStart, "agent-start").start();
    try {
      streams = StreamsApp.start(streamsConfig);
      phases.done("streams");
    } finally {
      agent = awaitStart(agentStart); // so that close() stops it, also when streams failed to start
    }
    phases.done("agent");
    if (!streams.awaitRunning(Duration.ofSeconds(60))) {
      throw new StartupException("the streams application did not reach RUNNING within 60 s: see the log above");
    }
    phases.done("streams running");
  }

  /** The agent that {@code start} started, or its failure as thrown by Agent.start. */
  private static Agent awaitStart(FutureTask<Agent> start) throws Exception {
    try {
      return start.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : new IllegalStateException(e.getCause());
    }
  }

  /** One state directory, one running instance: the broker and RocksDB would fight over it. */
  private void lock() throws IOException, StartupException {
    lock = DirectoryLock.tryAcquire(config.stateDir());
    if (lock == null) {
      throw new StartupException("another fleetacct up is running with state directory " + config.stateDir()
          + ": stop it, or choose another with --state-dir");
    }
  }

  private static List<String> portsInUse(Config c) {
    List<String> problems = new ArrayList<>();
    if (c.httpPort() > 0 && !free(c.httpBind(), c.httpPort())) {
      problems.add("port " + c.httpPort() + " on " + c.httpBind() + " is in use: stop what holds it, or choose"
          + " another with --http-port");
    }
    if (c.agentMetricsPort() > 0 && !free("127.0.0.1", c.agentMetricsPort())) {
      problems.add("port " + c.agentMetricsPort() + " on 127.0.0.1 is in use: stop what holds it, or choose"
          + " another with --agent-metrics-port (-1: off)");
    }
    return problems;
  }

  private static boolean free(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String advertised(String bind) {
    return bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind;
  }

  /** The query API's base URL, e.g. http://127.0.0.1:8080. */
  public String url() {
    return streams.url();
  }

  /** The host name this agent reports and the tables use. */
  public String host() {
    return host;
  }

  public Agent agent() {
    return agent;
  }

  /** The Kafka cluster in use (the embedded broker's address, or the one given). */
  public String bootstrapServers() {
    return broker != null ? broker.bootstrapServers() : config.bootstrapServers();
  }

  /** Example queries for this host, as curl commands. */
  public List<String> exampleCommands() {
    return List.of(
        "curl -s '" + url() + "/v1/cgroups/top?by=cpu_delay_total&limit=10'",
        "curl -s '" + url() + "/v1/hosts/" + encode(host) + "/totals'",
        "curl -s '" + url() + "/v1/commands/top?by=exits&limit=10'");
  }

  /**
   * A short line: what the agent received and made in this run and where those records are, what
   * the query API counts for this host (all runs), and the kernel's overflows.
   */
  public String statusLine() {
    return String.format("%s | host's exits queryable %s | kernel overflows %,d", agent.account(), queryable(),
        agent.figure(AgentFigure.KERNEL_OVERFLOW_EVENTS));
  }

  private String queryable() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/v1/hosts/" + encode(host)
          + "/totals")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return switch (r.statusCode()) {
        case 200 -> String.format("%,d", json.readTree(r.body()).get("exits").asLong());
        case 404 -> "0";
        default -> "? (query API answered " + r.statusCode() + ")";
      };
    } catch (IOException e) {
      return "? (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public void close() {
    stop(line -> log.info(line));
  }

  /**
   * Stops in the order that loses nothing, saying how each part ended: the agent deregisters and
   * drains to Kafka, the streams application commits and checkpoints its state, the broker stops.
   */
  public void stop(Consumer<String> say) {
    if (agent != null) {
      agent.close();
      say.accept("agent stopped: " + agent.account());
    }
    if (streams != null) {
      say.accept(streams.stop(true) ? "streams application closed: its state is checkpointed for the next start"
          : "streams application did not close within 30 s: the next start restores its state from Kafka");
    }
    if (broker != null) {
      broker.close();
      say.accept("broker stopped");
    }
    if (lock != null) {
      try {
        lock.close();
      } catch (IOException e) {
        log.warn("cannot release the state directory lock: {}", e.toString());
      }
    }
  }
}
