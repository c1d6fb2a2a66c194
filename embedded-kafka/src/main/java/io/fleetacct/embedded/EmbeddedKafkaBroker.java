package io.fleetacct.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running
 * {@code kafka.Kafka} in a child JVM, bound to 127.0.0.1 on free ports.
 *
 * <p>Used by tests and by the one-host mode. {@link #start()} formats the data directory on first
 * use and waits until the broker answers; {@link #stop()} closes its standard input and forces the stop after a
 * timeout; {@link #start()} after {@link #stop()} restarts on the same ports and data, which is how
 * tests simulate an outage. {@link #close()} stops and, unless the data is kept, deletes it.
 *
 * <p>The child exits by itself when this JVM dies (see {@link BrokerMain}).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final String HOST = "127.0.0.1";
  private static final int LOG_TAIL_LINES = 60;
  private static final int MAX_PORT_ATTEMPTS = 3;

  private final Path dataDir;
  private final boolean keepData;
  private final Duration startTimeout;
  private final Duration stopTimeout;
  private final Map<String, String> overrides;
  private final List<String> jvmArgs;
  private final SaslSsl saslSsl;
  /** The cluster this broker is a node of, or null when it is a cluster of its own. */
  private final Quorum quorum;
  private final int nodeId;
  /** A second client listener, or null. */
  private final ExtraListener extraListener;

  private int port;
  private int controllerPort;
  private long startedNanos;
  private Process process;
  private boolean frozen;

  private EmbeddedKafkaBroker(Builder b) throws IOException {
    this.keepData = b.dataDir != null && b.keepData;
    this.dataDir = b.dataDir != null
        ? Files.createDirectories(b.dataDir)
        : Files.createTempDirectory("fleetacct-kafka-");
    this.startTimeout = b.startTimeout;
    this.stopTimeout = b.stopTimeout;
    this.overrides = Map.copyOf(b.overrides);
    this.jvmArgs = List.copyOf(b.jvmArgs);
    this.saslSsl = b.saslSsl;
    this.quorum = b.quorum;
    this.nodeId = b.nodeId;
    this.extraListener = b.extraListener;
  }

  /**
   * A second client listener on {@code port} that tells its clients to connect to
   * {@code advertisedPort}: a proxy there stands between those clients and the broker, so that a
   * test can cut them off while others keep using the first listener. PLAINTEXT only.
   */
  public record ExtraListener(int port, int advertisedPort) {}

  /**
   * A KRaft cluster's voters, each node a combined broker and controller: what every node's
   * configuration and storage format must agree on. Ports are chosen before any node starts.
   *
   * @param clusterId the id every node's storage is formatted with
   * @param ports each node's client and controller port, by node id (from 1)
   */
  record Quorum(String clusterId, Map<Integer, int[]> ports) {

    int size() {
      return ports.size();
    }

    /** Every node's client listener: an admin or client finds the cluster through any running one. */
    String bootstrapServers() {
      return ports.values().stream().map(p -> HOST + ":" + p[0]).collect(Collectors.joining(","));
    }

    /** {@code controller.quorum.voters}: 1@127.0.0.1:port,2@... */
    String voters() {
      return ports.entrySet().stream().map(e -> e.getKey() + "@" + HOST + ":" + e.getValue()[1])
          .collect(Collectors.joining(","));
    }
  }

  /**
   * SASL_SSL on the broker's listener: SCRAM-SHA-512 over TLS, one user (also the broker's own, for
   * its inter-broker connection), created when the storage is formatted.
   *
   * @param keystore PKCS12 with the broker's key and certificate (valid for 127.0.0.1)
   * @param truststore PKCS12 with the certificate clients (and the broker itself) trust
   * @param storePassword the password of both stores and of the key
   */
  public record SaslSsl(Path keystore, Path truststore, String storePassword, String user, String password) {

    /** Client properties for {@code user} with {@code password} (which may be wrong, for tests). */
    public Map<String, String> clientProperties(String user, String password) {
      Map<String, String> p = new LinkedHashMap<>();
      p.put("security.protocol", "SASL_SSL");
      p.put("sasl.mechanism", "SCRAM-SHA-512");
      p.put("sasl.jaas.config", jaas(user, password));
      p.put("ssl.truststore.location", truststore.toString());
      p.put("ssl.truststore.password", storePassword);
      p.put("ssl.truststore.type", "PKCS12");
      return p;
    }

    private static String jaas(String user, String password) {
      return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
          + "\" password=\"" + password + "\";";
    }
  }

  /** What a client needs besides bootstrap.servers: empty for PLAINTEXT, the SASL_SSL settings otherwise. */
  public Map<String, String> clientProperties() {
    return saslSsl == null ? Map.of() : saslSsl.clientProperties(saslSsl.user(), saslSsl.password());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts the broker and returns once it answers metadata requests. Formats the data directory
   * first if it holds no cluster yet; keeps the ports of an earlier start.
   */
  public synchronized EmbeddedKafkaBroker start() {
    if (isRunning()) {
      return this;
    }
    if (quorum != null) {
      spawn();
      awaitReady();
      return this;
    }
    boolean firstStart = port == 0;
    for (int attempt = 1; ; attempt++) {
      if (firstStart) {
        port = LoopbackPorts.free();
        controllerPort = LoopbackPorts.free();
      }
      try {
        spawn();
        awaitReady();
        return this;
      } catch (BrokerStartException e) {
        // Another process may have taken a port between our probe and the broker's bind.
        boolean portTaken = e.getMessage().contains("Address already in use");
        if (!(firstStart && portTaken && attempt < MAX_PORT_ATTEMPTS)) {
          throw e;
        }
        log.warn("embedded broker: port taken, retrying on other ports (attempt {})", attempt + 1);
      }
    }
  }

  /** Formats on first use and starts the child JVM, without waiting for it to answer. */
  synchronized void spawn() {
    if (quorum != null) {
      port = quorum.ports().get(nodeId)[0];
      controllerPort = quorum.ports().get(nodeId)[1];
    }
    startedNanos = System.nanoTime();
    try {
      Path props = writeConfig();
      if (!Files.exists(logDir().resolve("meta.properties"))) {
        format(props);
      }
      Path brokerLog = dataDir.resolve("broker.log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx512m");
      command.add("-XX:+UseSerialGC");
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-Dlogback.configurationFile=" + writeLogConfig());
      command.add("-Djava.io.tmpdir=" + Files.createDirectories(dataDir.resolve("tmp")));
      command.addAll(jvmArgs);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(BrokerMain.class.getName());
      command.add(props.toString());
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(brokerLog.toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE) // held open: see BrokerMain
          .start();
    } catch (IOException e) {
      kill();
      throw new BrokerStartException("cannot start the embedded Kafka broker: " + e + logTail(), e);
    } catch (RuntimeException e) {
      kill();
      throw e;
    }
  }

  /**
   * Waits until the broker answers and knows itself as a member of its cluster (a node of a
   * cluster is ready once it has registered with the quorum); kills it on failure.
   */
  synchronized void awaitReady() {
    try {
      awaitRegistered();
      log.info("embedded Kafka broker {} ready at {} in {} ms (data {})", nodeId, HOST + ":" + port,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), dataDir);
    } catch (RuntimeException e) {
      kill();
      throw e;
    }
  }

  private void awaitRegistered() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    Map<String, Object> conf = adminConfig();
    conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + port);
    conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
    conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000);
    conf.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    try (Admin admin = Admin.create(conf)) {
      while (true) {
        if (!process.isAlive()) {
          throw new BrokerStartException("embedded Kafka broker exited with status "
              + process.exitValue() + " while starting" + logTail());
        }
        try {
          if (admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).stream().anyMatch(n -> n.id() == nodeId)) {
            return;
          }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          // not up yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BrokerStartException("interrupted while waiting for the embedded broker", e);
        }
        if (System.nanoTime() > deadline) {
          throw new BrokerStartException("embedded Kafka broker not ready after "
              + startTimeout.toSeconds() + " s" + logTail());
        }
        sleep(100);
      }
    }
  }

  /** {@code host:port} of the broker's listener (PLAINTEXT, or SASL_SSL; see {@link #clientProperties()}). */
  public String bootstrapServers() {
    if (port == 0) {
      throw new IllegalStateException("the embedded broker was never started");
    }
    return HOST + ":" + port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The broker's node id: 1 for a broker of its own, 1 to N in a cluster. */
  public int nodeId() {
    return nodeId;
  }

  /** Replicas of internal topics and of {@link #createTopic}: every node, up to 3. */
  private short replicationFactor() {
    return (short) Math.min(3, quorum == null ? 1 : quorum.size());
  }

  /** min.insync.replicas: 2 where there are 3 replicas (one broker may be down for an upgrade). */
  private int minInsyncReplicas() {
    return Math.min(2, replicationFactor());
  }

  /** CPU time the broker process has used so far (zero when unknown): for benchmarks' cost split. */
  public synchronized Duration cpuTime() {
    return process == null ? Duration.ZERO : process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** The broker process's pid, or -1 when it is not running. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** An Admin client for this broker (for a node, through any running node of its cluster); the caller closes it. */
  public Admin admin() {
    return Admin.create(adminConfig());
  }

  private Map<String, Object> adminConfig() {
    Map<String, Object> conf = new LinkedHashMap<>(clientProperties());
    conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, quorum == null ? bootstrapServers() : quorum.bootstrapServers());
    return conf;
  }

  /** Creates topics and waits for them; existing topics are an error. */
  public void createTopics(Collection<NewTopic> topics) {
    try (Admin admin = admin()) {
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics "
          + topics.stream().map(NewTopic::name).collect(Collectors.toList()) + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("topic creation timed out", e);
    }
  }

  /** A topic on every node of the cluster, up to 3 (replication factor 1 for a broker of its own). */
  public void createTopic(String name, int partitions) {
    createTopics(List.of(new NewTopic(name, partitions, replicationFactor())));
  }

  /**
   * Stops the broker cleanly by closing its standard input (see {@link BrokerMain}), then SIGKILL if
   * it has not exited within the stop timeout.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    thaw();
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      log.warn("cannot close the embedded broker's standard input, killing it: {}", e.toString());
      kill();
      return;
    }
    try {
      if (!process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("embedded broker did not stop within {} s, killing it", stopTimeout.toSeconds());
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    process = null;
  }

  /**
   * Freezes the broker (SIGSTOP): its connections stay open and nothing answers, as with a hung
   * broker or a network that drops packets. {@link #thaw()} resumes it; stop and close thaw first.
   */
  public synchronized void freeze() {
    signal("STOP");
    frozen = true;
  }

  /** Resumes a frozen broker (SIGCONT). */
  public synchronized void thaw() {
    if (frozen) {
      signal("CONT");
      frozen = false;
    }
  }

  private void signal(String name) {
    if (process == null) {
      throw new IllegalStateException("the broker is not running");
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the broker at once (SIGKILL), as a crash would. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    frozen = false; // SIGKILL ends a stopped process too
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Stops the broker and deletes its data unless the builder asked to keep it. */
  @Override
  public synchronized void close() {
    stop();
    if (!keepData) {
      deleteRecursively(dataDir);
    }
  }

  private Path logDir() {
    return dataDir.resolve("kafka-logs");
  }

  private Path writeConfig() throws IOException {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(nodeId));
    if (quorum == null) {
      p.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
    } else {
      p.put("controller.quorum.voters", quorum.voters());
    }
    String listener = saslSsl == null ? "PLAINTEXT" : "SASL_SSL";
    String extra = extraListener == null ? "" : ",EXTRA://" + HOST + ":" + extraListener.port();
    p.put("listeners", listener + "://" + HOST + ":" + port + extra + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", listener + "://" + HOST + ":" + port
        + (extraListener == null ? "" : ",EXTRA://" + HOST + ":" + extraListener.advertisedPort()));
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", listener);
    p.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT"
        + (extraListener == null ? "" : ",EXTRA:PLAINTEXT"));
    if (saslSsl != null) {
      p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
      p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
      p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", SaslSsl.jaas(saslSsl.user(), saslSsl.password()));
      p.put("ssl.keystore.location", saslSsl.keystore().toString());
      p.put("ssl.keystore.password", saslSsl.storePassword());
      p.put("ssl.key.password", saslSsl.storePassword());
      p.put("ssl.keystore.type", "PKCS12");
      p.put("ssl.truststore.location", saslSsl.truststore().toString());
      p.put("ssl.truststore.password", saslSsl.storePassword());
      p.put("ssl.truststore.type", "PKCS12");
    }
    p.put("log.dirs", logDir().toString());
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    // Internal topics replicated as a production cluster's are.
    String replicas = String.valueOf(replicationFactor());
    String minIsr = String.valueOf(minInsyncReplicas());
    p.put("offsets.topic.replication.factor", replicas);
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", replicas);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", replicas);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    p.put("default.replication.factor", replicas);
    p.put("min.insync.replicas", minIsr);
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
    p.putAll(overrides);
    String text = p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
    return Files.writeString(dataDir.resolve("server.properties"), text);
  }

  private Path writeLogConfig() throws IOException {
    String xml = """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="kafka" level="INFO"/>
          <logger name="org.apache.kafka" level="WARN"/>
          <logger name="state.change.logger" level="WARN"/>
          <logger name="kafka.log" level="WARN"/>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;
    return Files.writeString(dataDir.resolve("broker-logback.xml"), xml);
  }

  private void format(Path props) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int status;
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8.name())) {
      List<String> args = new ArrayList<>(quorum == null
          ? List.of("format", "-t", Uuid.randomUuid().toString(), "-c", props.toString(), "--standalone")
          : List.of("format", "-t", quorum.clusterId(), "-c", props.toString()));
      if (saslSsl != null) {
        args.addAll(List.of("--add-scram",
            "SCRAM-SHA-512=[name=" + saslSsl.user() + ",password=" + saslSsl.password() + "]"));
      }
      status = kafka.tools.StorageTool.execute(args.toArray(String[]::new), out);
    } catch (UnsupportedEncodingException e) {
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new BrokerStartException("cannot format the embedded broker's storage in " + logDir()
          + ": " + e.getMessage() + "\n" + output.toString(StandardCharsets.UTF_8), e);
    }
    if (status != 0) {
      throw new BrokerStartException("formatting the embedded broker's storage failed (status "
          + status + "): " + output.toString(StandardCharsets.UTF_8));
    }
  }

  private String logTail() {
    Path brokerLog = dataDir.resolve("broker.log");
    try {
      if (!Files.exists(brokerLog)) {
        return " (no broker log at " + brokerLog + ")";
      }
      List<String> lines = Files.readAllLines(brokerLog, StandardCharsets.UTF_8);
      return "\n--- last lines of " + brokerLog + " ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return " (cannot read " + brokerLog + ": " + e + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerStartException("interrupted while waiting for the embedded broker", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.warn("cannot delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  /** The broker did not come up; the message carries the tail of its log. */
  public static final class BrokerStartException extends RuntimeException {
    BrokerStartException(String message) {
      super(message);
    }

    BrokerStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Options for a broker; every one has a default. */
  public static final class Builder {
    private Path dataDir;
    private boolean keepData;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration stopTimeout = Duration.ofSeconds(20);
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private SaslSsl saslSsl;
    private Quorum quorum;
    private int nodeId = 1;
    private ExtraListener extraListener;

    private Builder() {}

    /** A second client listener (see {@link ExtraListener}). */
    public Builder extraListener(ExtraListener listener) {
      this.extraListener = listener;
      return this;
    }

    /** A node of a cluster (see {@link EmbeddedKafkaCluster}). */
    Builder node(Quorum quorum, int nodeId) {
      this.quorum = quorum;
      this.nodeId = nodeId;
      return this;
    }

    /** Listen with SASL_SSL (SCRAM-SHA-512 over TLS) instead of PLAINTEXT. */
    public Builder saslSsl(SaslSsl settings) {
      this.saslSsl = settings;
      return this;
    }

    /** Where the broker keeps its data; by default a new temporary directory. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Keep the data directory on {@link #close()} (only for a directory given with {@link #dataDir}). */
    public Builder keepData(boolean keep) {
      this.keepData = keep;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = timeout;
      return this;
    }

    /** A broker property that replaces or adds to the defaults (e.g. listeners with SASL). */
    public Builder brokerProperty(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public Builder jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    public EmbeddedKafkaBroker build() {
      if (extraListener != null && saslSsl != null) {
        throw new IllegalArgumentException("an extra listener is PLAINTEXT: not with SASL_SSL");
      }
      try {
        return new EmbeddedKafkaBroker(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the embedded broker's data directory", e);
      }
    }
  }
}
