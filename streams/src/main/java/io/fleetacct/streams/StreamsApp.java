package io.fleetacct.streams;

import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.streams.query.QueryServer;
import io.fleetacct.streams.query.StoreReadiness;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.streams.topology.Tables;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running streams application: the topology on Kafka Streams, and its query server. */
public final class StreamsApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);
  private static final int OUTAGE_WAIT_MS = 300_000;

  /**
   * @param advertisedHost how other instances reach this one's query server (its port is the
   *     bound one)
   * @param extra any Kafka Streams or client property, applied last
   */
  public record Config(String bootstrapServers, String applicationId, Path stateDir, String bindHost, int port,
                       String advertisedHost, int standbyReplicas, FleetacctTopology.Config topology,
                       int topicPartitions, Properties extra) {}

  private final KafkaStreams streams;
  private final QueryServer server;
  private final HostInfo self;
  private final RestoredRecords restored;
  private final Path appStateDir;

  private StreamsApp(KafkaStreams streams, QueryServer server, HostInfo self, RestoredRecords restored,
                     Path appStateDir) {
    this.streams = streams;
    this.server = server;
    this.self = self;
    this.restored = restored;
    this.appStateDir = appStateDir;
  }

  public static StreamsApp start(Config c) throws IOException {
    FleetacctSchemas.trustGeneratedClasses();
    BoundedRocksDbMemory.bytes(c.extra().get(BoundedRocksDbMemory.MEMORY_BYTES)); // refuse a bad value up front
    boolean metricsDetail = KafkaStreamsMetrics.detail(c.extra().getProperty(KafkaStreamsMetrics.DETAIL));
    createMissingTopics(c);
    QueryServer server = QueryServer.bind(c.bindHost(), c.port());
    HostInfo self = new HostInfo(c.advertisedHost(), server.port());
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toString());
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, c.standbyReplicas());
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    // There is no global store; enabling the handler for one (Kafka 5.0's default) only ends a
    // warning that Kafka Streams logs three times at every start otherwise.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    // One transaction a second: fewer commits (each one flushes caches, changelogs and output
    // topics) for a latency well inside the 2 s target. Caches absorb repeated updates of a key.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Math.max(1, Runtime.getRuntime().availableProcessors()));
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    // A broker away for minutes (a restart, a network cut) is waited out in the blocked call. With
    // the 60 s default, a commit that times out just as the broker returns failed the thread, and
    // the transaction it left open stopped restoration of its changelog partitions (FaultTest,
    // 2 of 8 runs); past 5 minutes the task is still aborted and re-processed, as before.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_BLOCK_MS_CONFIG), OUTAGE_WAIT_MS);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG), OUTAGE_WAIT_MS);
    p.putAll(c.extra());
    KafkaStreams streams = new KafkaStreams(FleetacctTopology.build(c.topology()), p);
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    registry.register(new KafkaStreamsMetrics(streams::metrics, metricsDetail));
    StoreReadiness readiness = StoreReadiness.of(streams);
    RestoredRecords restored = new RestoredRecords(readiness);
    streams.setGlobalStateRestoreListener(restored);
    CounterWithCallback.builder().name("fleetacct_streams_restored_records")
        .help("Records restored from changelogs since start (0 after a clean restart on the same state)")
        .callback(cb -> cb.call(restored.total())).register(registry);
    CounterWithCallback.builder().name("fleetacct_streams_dropped_records")
        .help("Records Kafka Streams itself dropped (its dropped-records-total over all tasks: too late for a"
            + " window, undecodable keys); 0 by design, as late records within the retention count in their windows")
        .callback(cb -> cb.call(droppedRecords(streams))).register(registry);
    streams.setStandbyUpdateListener(readiness);
    server.start(streams, c.topology(), readiness, self, registry);
    streams.setUncaughtExceptionHandler(e -> {
      log.error("stream thread failed; replacing it", e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .REPLACE_THREAD;
    });
    streams.start();
    log.info("fleetacct streams {} started: query API at http://{}:{}/v1, state in {}", c.applicationId(),
        self.host(), self.port(), c.stateDir());
    return new StreamsApp(streams, server, self, restored,
        c.stateDir().resolve(p.getProperty(StreamsConfig.APPLICATION_ID_CONFIG)));
  }

  /**
   * Creates the input, dead-letter and output topics that do not exist yet, so a new cluster needs
   * no separate step; existing topics are left alone. They get the replication factor and
   * min.insync.replicas that Kafka Streams gives its internal topics ({@code replication.factor},
   * {@code topic.min.insync.replicas}; the brokers' defaults where unset), so that every topic of the
   * application is replicated alike. {@link #start} does it first; a caller whose other parts write
   * to these topics while the application starts may do it before.
   */
  public static void createMissingTopics(Config c) throws IOException {
    Properties admin = new Properties();
    admin.putAll(c.extra());
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    FleetacctTopology.Config t = c.topology();
    List<String> names = new ArrayList<>(List.of(t.exitsTopic(), t.statusTopic(), t.deadLetterTopic()));
    for (Tables table : Tables.values()) {
      names.add(t.totalsTopic(table));
      names.add(t.windowsTopic(table));
    }
    try (Admin a = Admin.create(admin)) {
      Set<String> existing = a.listTopics().names().get(30, TimeUnit.SECONDS);
      Optional<Short> replicas = Optional.ofNullable(c.extra().getProperty(StreamsConfig.REPLICATION_FACTOR_CONFIG))
          .map(Short::valueOf).filter(r -> r > 0);
      String minIsr = c.extra().getProperty(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
      Map<String, String> configs = minIsr == null ? Map.of() : Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr);
      // The status topic stamps each heartbeat with the broker's time: what agents measure their clocks by.
      Map<String, String> status = new java.util.HashMap<>(configs);
      status.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
      List<NewTopic> missing = names.stream().filter(n -> !existing.contains(n))
          .map(n -> new NewTopic(n, Optional.of(c.topicPartitions()), replicas)
              .configs(n.equals(t.statusTopic()) ? status : configs)).toList();
      if (!missing.isEmpty()) {
        a.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException) {
        throw new IOException("Kafka at " + c.bootstrapServers() + " refused the authentication: "
            + e.getCause().getMessage() + " (check security.protocol, sasl.* and ssl.* in --streams-config or -X)", e);
      }
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IOException("cannot create topics at " + c.bootstrapServers() + ": " + e.getCause().getMessage(), e);
      }
    } catch (TimeoutException e) {
      throw new IOException("Kafka at " + c.bootstrapServers() + " did not answer within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The query API's base URL, e.g. http://127.0.0.1:8080. */
  public String url() {
    return "http://" + self.host() + ":" + self.port();
  }

  /** Waits until the application runs (all tasks assigned), or the timeout. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** {@link #stop(boolean)} staying in the group: a rolling restart of several instances. */
  @Override
  public void close() {
    stop(false);
  }

  /**
   * Stops the query API, then Kafka Streams: its tasks commit and keep their state, so that the
   * next start on this state directory restores nothing. False if that took longer than 30 s (the
   * next start then restores what was not kept from the changelogs).
   *
   * @param leaveGroup leave the consumer group now (one instance, as {@code up} runs it: its next
   *     start need not wait out the session timeout of this one, 45 s); staying suits a rolling
   *     restart, where the others should not take this instance's tasks for the moment it is away
   */
  public boolean stop(boolean leaveGroup) {
    server.close();
    boolean clean = streams.close(CloseOptions.groupMembershipOperation(leaveGroup
        ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
    if (clean) {
      List<String> removed = EmptyTasks.remove(appStateDir);
      if (!removed.isEmpty()) {
        log.debug("removed the state of tasks that never held a window: {}", removed);
      }
    }
    return clean;
  }

  /** Kafka Streams' own count of records it dropped, over this instance's tasks. */
  public long droppedRecords() {
    return droppedRecords(streams);
  }

  private static long droppedRecords(KafkaStreams streams) {
    double sum = 0;
    for (var e : streams.metrics().entrySet()) {
      if (e.getKey().name().equals("dropped-records-total") && e.getValue().metricValue() instanceof Number n) {
        sum += n.doubleValue();
      }
    }
    return (long) sum;
  }

  /** Records restored from changelogs since start: 0 when a restart found its state. */
  public long restoredRecords() {
    return restored.total();
  }
}
