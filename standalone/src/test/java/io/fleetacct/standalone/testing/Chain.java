package io.fleetacct.standalone.testing;

import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.cli.StreamsCli;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The whole chain under test, as the fault tests run it: the test's own account of what the kernel
 * announced ({@link KernelAccount}), streams instance A in this JVM and B as a child process (one
 * standby replica each), the agent as a child process with one socket per CPU, and a fork load.
 * Names (application, host, workload prefix) are fresh per chain. {@link #report()} stops all but A
 * and checks the tables against the kernel; {@link #close()} stops whatever still runs.
 */
public final class Chain implements AutoCloseable {

  /**
   * What differs between chains: where Kafka is, how the streams application's topics are made,
   * and what the agent is told besides the usual ({@link AgentArgs}).
   *
   * @param partitions partitions of the application's topics (and stream threads of A)
   * @param streamsConfig Kafka Streams settings for both instances, as {@code key=value} (the
   *     product's own where not given: commits every second)
   * @param agentArgs more options of the agent's {@code fleetacct-agent run}
   */
  public record Setup(String bootstrap, Path dir, String name, int partitions, List<String> streamsConfig,
                      List<String> agentArgs) {}

  private final Setup setup;
  private final String app;
  private final String host;
  private final Path spool;
  private final Path agentLog;
  private final String metrics;
  private final String[] agentCommand;
  private final String prefix;
  private final KernelAccount truth;
  private boolean truthOpen = true;
  private StreamsApp a;
  private ChildJvm b;
  private ChildJvm agent;
  private ForkLoad load;

  private Chain(Setup setup) throws Exception {
    this.setup = setup;
    String id = UUID.randomUUID().toString().substring(0, 6);
    app = setup.name() + "-" + id;
    host = setup.name() + "-host-" + id;
    spool = Files.createDirectories(setup.dir().resolve("spool"));
    agentLog = setup.dir().resolve("agent.log");
    int metricsPort = LoopbackPorts.free();
    metrics = "http://127.0.0.1:" + metricsPort;
    List<String> agentMore = new ArrayList<>(setup.agentArgs());
    agentMore.addAll(List.of("--sample-interval", "0")); // exits only: the report counts exits against the kernel's sequence
    agentCommand = AgentArgs.run(setup.bootstrap(), app, spool, metricsPort, host, agentMore.toArray(String[]::new));
    prefix = setup.name().substring(0, 2) + id.substring(0, 4);
    truth = KernelAccount.start(prefix);
  }

  /** Starts the account, both streams instances and the agent, and waits until all are up. */
  public static Chain start(Setup setup) throws Exception {
    Chain chain = new Chain(setup);
    try {
      chain.startStreams();
      chain.startAgent("agent");
      Http.await("agent healthy", Duration.ofSeconds(60), () -> Http.status(chain.metrics + "/healthz") == 200);
      return chain;
    } catch (Exception | Error e) {
      chain.close();
      throw e;
    }
  }

  private void startStreams() throws Exception {
    Properties extra = new Properties();
    for (String kv : setup.streamsConfig()) {
      extra.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    FleetacctTopology.Config topology = new FleetacctTopology.Config(exitsTopic(), app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    a = StreamsApp.start(new StreamsApp.Config(setup.bootstrap(), app, Files.createDirectories(setup.dir().resolve("a")),
        "127.0.0.1", 0, "127.0.0.1", 1, topology, setup.partitions(), extra));
    int portB = LoopbackPorts.free();
    List<String> bArgs = new ArrayList<>(List.of("--topic-partitions", String.valueOf(setup.partitions())));
    for (String kv : setup.streamsConfig()) {
      bArgs.addAll(List.of("-X", kv));
    }
    b = ChildJvm.start("streams B", StreamsCli.class, setup.dir().resolve("streams-b.log"), StreamsArgs.run(
        setup.bootstrap(), app, Files.createDirectories(setup.dir().resolve("b")), portB, bArgs.toArray(String[]::new)));
    if (!a.awaitRunning(Duration.ofSeconds(120))) {
      throw new AssertionError("streams A not running after 120 s");
    }
    Http.await("streams B healthy", Duration.ofSeconds(120), () -> Http.status("http://127.0.0.1:" + portB + "/healthz")
        == 200);
  }

  /** Starts the agent (again, on the same spool directory and log) without waiting for it. */
  public void startAgent(String label) {
    agent = ChildJvm.start(label, AgentCli.class, agentLog, agentCommand);
  }

  /** SIGTERM to the agent, and what it said it kept and lost. */
  public AgentStops.Stop stopAgent() throws Exception {
    AgentStops.Stop stop = AgentStops.stop(agent, agentLog);
    agent = null;
    return stop;
  }

  /** SIGKILL to the agent. */
  public void killAgent() throws InterruptedException {
    agent.kill();
    agent = null;
  }

  /** SIGKILL to streams instance B; A carries on alone. */
  public void killStreamsB() throws InterruptedException {
    b.kill();
    b = null;
  }

  /** Starts the fork load. */
  public void startLoad() {
    load = ForkLoad.start(prefix);
  }

  /** Ends the load, lets the agent read its last exits, and stops the agent with SIGTERM. */
  public AgentStops.Stop endLoadAndStopAgent() throws Exception {
    load.close();
    Thread.sleep(1_000);
    return stopAgent();
  }

  /** One sample of the agent's /metrics. */
  public long agentMetric(String name) throws Exception {
    return Http.metric(metrics, name);
  }

  /** Base URL of the agent's metrics port. */
  public String agentMetrics() {
    return metrics;
  }

  public String app() {
    return app;
  }

  public String host() {
    return host;
  }

  public String exitsTopic() {
    return app + ".exits";
  }

  /** Streams instance A (in this JVM), which answers the report's queries. */
  public StreamsApp streamsA() {
    return a;
  }

  /** Workload children forked by the load so far. */
  public long children() {
    return load == null ? 0 : load.children();
  }

  /**
   * Stops everything but A (the load, the account, the agent, B), then checks every table against
   * the kernel's account ({@link ChainReport}).
   */
  public ChainReport report() throws Exception {
    stopAllButA();
    return ChainReport.check(truth, spool, setup.bootstrap(), exitsTopic(), a, host);
  }

  private void stopAllButA() throws Exception {
    if (load != null) {
      load.close();
    }
    if (truthOpen) {
      truth.close();
      truthOpen = false;
    }
    if (agent != null) {
      agent.close();
      agent = null;
    }
    if (b != null) {
      b.close();
      b = null;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      stopAllButA();
    } finally {
      if (a != null) {
        a.close();
      }
    }
  }
}
