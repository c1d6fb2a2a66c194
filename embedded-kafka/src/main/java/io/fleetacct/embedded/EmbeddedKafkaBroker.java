package io.fleetacct.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
  private static final String HOST = BrokerConfig.HOST;
  private static final int MAX_PORT_ATTEMPTS = 3;

  private final Path dataDir;
  private final boolean keepData;
  private final Duration startTimeout;
  private final Duration stopTimeout;
  private final List<String> jvmArgs;
  private final SaslSsl saslSsl;
  /** The cluster this broker is a node of, or null when it is a cluster of its own. */
  private final Quorum quorum;
  private final int nodeId;
  private final BrokerConfig config;

  private int port;
  private int controllerPort;
  private long startedNanos;
  private BrokerProcess process;

  private EmbeddedKafkaBroker(Builder b) throws IOException {
    this.keepData = b.dataDir != null && b.keepData;
    this.dataDir = b.dataDir != null
        ? Files.createDirectories(b.dataDir)
        : Files.createTempDirectory("fleetacct-kafka-");
    this.startTimeout = b.startTimeout;
    this.stopTimeout = b.stopTimeout;
    this.jvmArgs = List.copyOf(b.jvmArgs);
    this.saslSsl = b.saslSsl;
    this.quorum = b.quorum;
    this.nodeId = b.nodeId;
    this.config = new BrokerConfig(dataDir, nodeId, quorum, saslSsl, b.extraListener, b.overrides);
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

    static String jaas(String user, String password) {
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
        int[] two = LoopbackPorts.free(2);
        port = two[0];
        controllerPort = two[1];
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
      Path props = config.write(port, controllerPort);
      config.formatIfNew(props);
      process = BrokerProcess.spawn(props, config.writeLogConfig(), dataDir.resolve("tmp"), jvmArgs, brokerLog());
    } catch (IOException e) {
      kill();
      throw new BrokerStartException("cannot start the embedded Kafka broker: " + e + BrokerProcess.logTail(brokerLog()),
          e);
    } catch (RuntimeException e) {
      kill();
      throw e;
    }
  }

  private Path brokerLog() {
    return dataDir.resolve("broker.log");
  }

  /**
   * Waits until the broker answers and knows itself as a member of its cluster (a node of a
   * cluster is ready once it has registered with the quorum); kills it on failure.
   */
  synchronized void awaitReady() {
    try {
      BrokerProcess p = process;
      BrokerAdmin.awaitRegistered(BrokerAdmin.config(HOST + ":" + port, clientProperties()), nodeId, startTimeout,
          () -> p.isAlive() ? null : "embedded Kafka broker exited with status " + p.exitValue() + " while starting",
          p::logTail);
      log.info("embedded Kafka broker {} ready at {} in {} ms (data {})", nodeId, HOST + ":" + port,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), dataDir);
    } catch (RuntimeException e) {
      kill();
      throw e;
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

  /** CPU time the broker process has used so far (zero when unknown): for benchmarks' cost split. */
  public synchronized Duration cpuTime() {
    return process == null ? Duration.ZERO : process.cpuTime();
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
    return BrokerAdmin.config(quorum == null ? bootstrapServers() : quorum.bootstrapServers(), clientProperties());
  }

  /** Creates topics and waits for them; existing topics are an error. */
  public void createTopics(Collection<NewTopic> topics) {
    BrokerAdmin.createTopics(adminConfig(), topics);
  }

  /** A topic on every node of the cluster, up to 3 (replication factor 1 for a broker of its own). */
  public void createTopic(String name, int partitions) {
    createTopics(List.of(new NewTopic(name, partitions, config.replicationFactor())));
  }

  /**
   * Stops the broker cleanly by closing its standard input (see {@link BrokerMain}), then SIGKILL if
   * it has not exited within the stop timeout.
   */
  public synchronized void stop() {
    if (process != null) {
      process.stop(stopTimeout);
      process = null;
    }
  }

  /**
   * Freezes the broker (SIGSTOP): its connections stay open and nothing answers, as with a hung
   * broker or a network that drops packets. {@link #thaw()} resumes it; stop and close thaw first.
   */
  public synchronized void freeze() {
    running().freeze();
  }

  /** Resumes a frozen broker (SIGCONT). */
  public synchronized void thaw() {
    if (process != null) {
      process.thaw();
    }
  }

  private BrokerProcess running() {
    if (process == null) {
      throw new IllegalStateException("the broker is not running");
    }
    return process;
  }

  /** Kills the broker at once (SIGKILL), as a crash would. */
  public synchronized void kill() {
    if (process != null) {
      process.kill();
      process = null;
    }
  }

  /** Stops the broker and deletes its data unless the builder asked to keep it. */
  @Override
  public synchronized void close() {
    stop();
    if (!keepData) {
      deleteRecursively(dataDir);
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
