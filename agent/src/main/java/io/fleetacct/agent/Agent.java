package io.fleetacct.agent;

import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.cgroup.ProcAttributor;
import io.fleetacct.agent.cgroup.ProcCgroup;
import io.fleetacct.agent.cgroup.ProcCgroupFiles;
import io.fleetacct.agent.host.DelayAccounting;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.metrics.AgentFigure;
import io.fleetacct.agent.metrics.AgentMetrics;
import io.fleetacct.agent.metrics.MetricsServer;
import io.fleetacct.agent.publish.ExitRecords;
import io.fleetacct.agent.publish.ProducerSettings;
import io.fleetacct.agent.publish.Publisher;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.publish.SequenceJournal;
import io.fleetacct.agent.publish.Spool;
import io.fleetacct.agent.sample.SampledThreads;
import io.fleetacct.agent.sample.Sampler;
import io.fleetacct.agent.sample.SamplerCounters;
import io.fleetacct.agent.sample.TaskstatsQuery;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.common.cli.TopicOptions;
import io.fleetacct.common.cli.Version;
import io.fleetacct.schema.AgentStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent: the kernel listener, cgroup attribution, the publisher to Kafka with its
 * spool, the heartbeat, and the metrics endpoint. {@link #close()} stops them in the order that
 * loses nothing: deregister from the kernel, drain to Kafka (spooling the rest), stop.
 */
public final class Agent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  /**
   * Everything the agent needs to run; see {@code fleetacct-agent run --help}. {@link #builder}
   * starts from the documented defaults ({@code DEFAULT_*}, the options' defaults too).
   */
  public record Config(ExitListener.Options listener, String host, Properties producer, String exitsTopic,
                       String statusTopic, Path spoolDir, long spoolMaxBytes, int queueCapacity,
                       Duration heartbeatInterval, Duration shutdownTimeout, String metricsHost, int metricsPort,
                       boolean enableDelayacct, AttributionMode attribution, Duration sampleInterval, Clock clock,
                       HostRoot root) {

    public static final long DEFAULT_SPOOL_MAX_BYTES = 1L << 30;
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    public static final String DEFAULT_METRICS_HOST = "127.0.0.1";
    public static final int DEFAULT_METRICS_PORT = 9464;
    public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(60);

    /** The defaults, for the given CPUs and sockets, Kafka producer and spool directory. */
    public static Builder builder(ExitListener.Options listener, Properties producer, Path spoolDir) {
      return new Builder(listener, producer, spoolDir);
    }

    /** A config under construction, holding the defaults until set. */
    public static final class Builder {
      private final ExitListener.Options listener;
      private final Properties producer;
      private final Path spoolDir;
      private String host;
      private String exitsTopic = TopicOptions.EXITS;
      private String statusTopic = TopicOptions.STATUS;
      private long spoolMaxBytes = DEFAULT_SPOOL_MAX_BYTES;
      private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
      private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
      private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
      private String metricsHost = DEFAULT_METRICS_HOST;
      private int metricsPort = DEFAULT_METRICS_PORT;
      private boolean enableDelayacct;
      private AttributionMode attribution = AttributionMode.auto;
      private Duration sampleInterval = DEFAULT_SAMPLE_INTERVAL;
      private Clock clock = Clock.systemUTC();
      private HostRoot root = HostRoot.real();

      private Builder(ExitListener.Options listener, Properties producer, Path spoolDir) {
        this.listener = listener;
        this.producer = producer;
        this.spoolDir = spoolDir;
      }

      /** The host name to report; null: $NODE_NAME, else the kernel's. */
      public Builder host(String host) {
        this.host = host;
        return this;
      }

      public Builder topics(String exits, String status) {
        this.exitsTopic = exits;
        this.statusTopic = status;
        return this;
      }

      public Builder spool(long maxBytes, int queueCapacity) {
        this.spoolMaxBytes = maxBytes;
        this.queueCapacity = queueCapacity;
        return this;
      }

      public Builder heartbeatInterval(Duration interval) {
        this.heartbeatInterval = interval;
        return this;
      }

      public Builder shutdownTimeout(Duration timeout) {
        this.shutdownTimeout = timeout;
        return this;
      }

      /** Where /metrics and /healthz listen; port -1: off, 0: any free port. */
      public Builder metrics(String host, int port) {
        this.metricsHost = host;
        this.metricsPort = port;
        return this;
      }

      public Builder enableDelayacct(boolean enable) {
        this.enableDelayacct = enable;
        return this;
      }

      public Builder attribution(AttributionMode mode) {
        this.attribution = mode;
        return this;
      }

      /** Zero: exits only. */
      public Builder sampleInterval(Duration interval) {
        this.sampleInterval = interval;
        return this;
      }

      /** The clock records are stamped by (a test's skewed host). */
      public Builder clock(Clock clock) {
        this.clock = clock;
        return this;
      }

      /** Where the host's /proc and /sys are. */
      public Builder root(HostRoot root) {
        this.root = root;
        return this;
      }

      public Config build() {
        return new Config(listener, host, producer, exitsTopic, statusTopic, spoolDir, spoolMaxBytes, queueCapacity,
            heartbeatInterval, shutdownTimeout, metricsHost, metricsPort, enableDelayacct, attribution,
            sampleInterval, clock, root);
      }
    }
  }

  private final Config config;
  private final HostIdentity identity;
  private final DelayAccounting delayAccounting;
  private final Instant startedAt;
  /** The agent's clock less the host's: 0 but in tests of skewed hosts (records are stamped by it). */
  private final long clockShiftMillis;
  private final ListenerCounters listenerCounters = new ListenerCounters();
  private final PublisherCounters publisherCounters = new PublisherCounters();
  private final SamplerCounters samplerCounters = new SamplerCounters();
  private Attributor attributor;
  private SequenceJournal journal;
  private Publisher publisher;
  private ExitListener listener;
  private Sampler sampler;
  private SampledThreads sampled;
  private MetricsServer metrics;
  private String agentInstance;
  private volatile boolean registered;
  private boolean closed; // guarded by this
  /** Records an earlier run left in the spool, sent first. */
  private long carriedOver;
  /** When a stop began: the last heartbeat, sent once everything is delivered, says so. */
  private volatile Instant stoppedAt;

  private Agent(Config config, HostIdentity identity) {
    this.config = config;
    this.identity = identity;
    this.delayAccounting = new DelayAccounting(config.root());
    this.startedAt = config.clock().instant();
    this.clockShiftMillis = Math.round((config.clock().millis() - System.currentTimeMillis()) / 1000.0) * 1000;
  }

  /** Starts everything; on failure stops what had started and throws with what to fix. */
  public static Agent start(Config config) throws Exception {
    Agent agent = new Agent(config, HostIdentity.detect(config.host(), config.root()));
    try {
      agent.startAll();
      return agent;
    } catch (Exception | Error e) {
      agent.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    for (String problem : ProducerSettings.weakenedGuarantees(config.producer())) {
      log.warn("producer setting weakens delivery guarantees: {}", problem);
    }
    if (config.enableDelayacct() && !delayAccounting.enable()) {
      log.warn("turned kernel.task_delayacct on: delays other than cpu_* cover only tasks started from now on");
    }
    CgroupMounts mounts = CgroupMounts.of(config.root());
    // Before the listener registers: every exit it receives then has its exit-hook entry.
    attributor = config.attribution().start(config.root(), mounts, identity.kernelRelease(), config.spoolDir());
    Spool spool = Spool.open(config.spoolDir(), config.spoolMaxBytes()); // locks the directory
    Producer<String, byte[]> producer;
    try {
      journal = SequenceJournal.open(config.spoolDir(), identity.bootId(),
          config.listener().socketCpus().stream().map(Object::toString).toList());
      producer = ProducerSettings.create(config.producer());
    } catch (IOException | RuntimeException e) {
      spool.close();
      throw e;
    }
    agentInstance = journal.agentInstance();
    if (journal.continued()) {
      log.info("continuing agent instance {} at agent_seq {}: what the previous run lost counts as gaps",
          agentInstance, journal.nextSeq());
    }
    publisher = new Publisher(new Publisher.Config(config.exitsTopic(), config.statusTopic(), agentInstance,
        config.queueCapacity(), config.heartbeatInterval(), config.shutdownTimeout(), config.clock()), producer, spool,
        journal,
        identity.host(), this::status, publisherCounters);
    carriedOver = publisher.waiting().spooledRecords();
    if (!config.sampleInterval().isZero()) {
      // Before the listener: exits of threads that the previous run sampled must find what it published.
      sampled = new SampledThreads();
      sampler = Sampler.create(config.sampleInterval(), new TaskstatsQuery(), new ProcCgroupFiles(config.root().proc(),
          ProcCgroup.forHost(mounts)), sampled, config.spoolDir(), publisher::submitSamples, identity, agentInstance,
          samplerCounters, config.clock());
    }
    ExitRecords records = new ExitRecords(identity, agentInstance, attributor, sampled);
    // Registered before Kafka is known to be reachable: exits of the first seconds after a restart
    // wait in the backlog (memory, then spool) instead of being missed.
    listener = ExitListener.start(config.listener(), journal::resumeKernelSeq,
        (exit, at, socket, missed) -> publisher.submit(records.encode(exit, at + clockShiftMillis), socket,
            exit.kernelSeq(), missed),
        listenerCounters);
    registered = true;
    if (sampler != null) {
      sampler.start();
    }
    log.info("registered for exits on CPUs {} over {} socket(s); checking Kafka at {}", config.listener().cpus(),
        listener.socketCpus().size(), config.producer().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    verifyKafkaAccess();
    publisher.start(); // after the assignment: its first heartbeat reads this.publisher
    if (config.metricsPort() >= 0) {
      metrics = MetricsServer.start(config.metricsHost(), config.metricsPort(),
          AgentMetrics.registry(figures()), this::health);
    }
    log.info("fleetacct agent {} on {}: CPUs {} over {} socket(s), struct version {}, delay accounting {}, cgroups {},"
            + " attribution {}, sampling {}, topic {} at {}, spool {}{}", agentInstance, identity.host(),
        config.listener().cpus(),
        listener.socketCpus().size(), listenerCounters.structVersion.get() == 0 ? "(at first exit)"
            : listenerCounters.structVersion.get(), delayAccounting.enabled() ? "on" : "off (cpu_* only)",
        mounts.mode(), attributor.mode(), sampler == null ? "off" : "every " + config.sampleInterval().toSeconds()
            + " s", config.exitsTopic(), config.producer().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
        config.spoolDir(), metrics == null ? "" : ", metrics on " + config.metricsHost() + ":" + metrics.port());
  }

  /**
   * Refused credentials (or TLS) are a configuration error: stop before anything is sent, keeping
   * what arrived meanwhile in the spool for the next start. Kafka merely unreachable is not.
   */
  private void verifyKafkaAccess() {
    try {
      if (!ProducerSettings.verifyAccess(config.producer(), Duration.ofSeconds(10))) {
        log.warn("Kafka at {} did not answer within 10 s: starting anyway, spooling until it does",
            config.producer().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
      }
    } catch (IllegalStateException refused) {
      close(Duration.ZERO);
      throw new IllegalStateException(refused.getMessage() + "; " + listenerCounters.received.sum()
          + " exits received while checking: " + publisherCounters.dropped.sum() + " dropped, the rest kept in the"
          + " spool for the next start", refused);
    }
  }

  public String agentInstance() {
    return agentInstance;
  }

  public ListenerCounters listenerCounters() {
    return listenerCounters;
  }

  public PublisherCounters publisherCounters() {
    return publisherCounters;
  }

  public SamplerCounters samplerCounters() {
    return samplerCounters;
  }

  /** Live threads whose published figures the sampler keeps (0 when not sampling). */
  private int sampledThreads() {
    return sampled == null ? 0 : sampled.size();
  }

  /** The metrics port actually bound, or -1. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /** Ready once registered with the kernel and either delivering to Kafka or spooling. */
  public MetricsServer.Health health() {
    if (!registered) {
      return new MetricsServer.Health(false, "not registered for exit notifications");
    }
    if (publisher.delivering(Duration.ofSeconds(30))) {
      return new MetricsServer.Health(true, "registered, delivering to Kafka");
    }
    if (publisher.spooling()) {
      return new MetricsServer.Health(true, "registered, Kafka unreachable, spooling");
    }
    return new MetricsServer.Health(false, "registered, but Kafka has acknowledged nothing for 30 s");
  }

  /** The heartbeat: every counter of this instance. */
  public AgentStatus status() {
    return status(false);
  }

  /** @param last the final heartbeat of a stop: it carries stopped_at */
  private AgentStatus status(boolean last) {
    Instant now = config.clock().instant();
    Duration offset = publisher.clockOffset();
    Duration offsetError = publisher.clockOffsetError();
    AgentStatus status = AgentStatus.newBuilder()
        .setHost(identity.host())
        .setBootId(identity.bootId())
        .setAgentInstance(agentInstance)
        .setAgentVersion(Version.get())
        .setStartedAt(startedAt)
        .setSentAt(now)
        .setKernelRelease(identity.kernelRelease())
        .setCpus(config.listener().cpus().toString())
        .setAttributionMode(attributor.mode())
        .setSampleIntervalMs(sampler == null ? 0 : config.sampleInterval().toMillis())
        .setStoppedAt(last ? stoppedAt : null)
        .setDeliveredUntil(publisher.deliveredUntil(now.toEpochMilli(), registered))
        .setClockOffsetMs(offset == null ? null : offset.toMillis())
        .setClockOffsetErrorMs(offsetError == null ? null : offsetError.toMillis())
        .build();
    AgentFigure.fillHeartbeat(status, figures());
    return status;
  }

  /** A figure of the table now (0 before the agent has started its parts). */
  public long figure(AgentFigure f) {
    return publisher == null || attributor == null ? 0 : f.total(figures());
  }

  /** What the figures of {@link AgentFigure} are read from. */
  private AgentFigure.Sources figures() {
    return new AgentFigure.Sources(listenerCounters, publisherCounters, attributor.counters(), publisher.waiting(),
        samplerCounters, this::sampledThreads, attributor instanceof ProcAttributor t ? t::size : null,
        () -> delayAccounting.enabled() ? 1 : 0);
  }

  /** Deregisters from the kernel, drains to Kafka within the shutdown timeout, spools the rest. */
  @Override
  public void close() {
    close(config.shutdownTimeout());
  }

  private synchronized void close(Duration drain) {
    if (closed) {
      return;
    }
    closed = true;
    stoppedAt = config.clock().instant();
    if (publisher != null && publisher.kafkaAway()) {
      // Kafka away: save at once while still listening, so that the agent is unregistered only
      // while it exits and its successor starts; what arrives meanwhile goes to the spool's end.
      publisher.stopDelivery(drain);
    }
    if (sampler != null) {
      sampler.close();
    }
    if (listener != null) {
      listener.close();
      registered = false;
    }
    if (publisher != null) {
      publisher.close(drain);
    }
    if (attributor != null) {
      attributor.close();
    }
    if (journal != null) {
      try {
        journal.close();
      } catch (IOException e) {
        log.warn("cannot close the sequence journal: {}", e.toString());
      }
    }
    if (metrics != null) {
      metrics.close();
    }
    if (publisher != null) {
      log.info("fleetacct agent {} stopped: {}", agentInstance, account());
    }
  }

  /**
   * What this run received and what became of it, in figures that add up: exits received, samples
   * made and what an earlier run left in the spool are the records; each is delivered (acknowledged
   * by Kafka), still waiting (in memory, in flight, in the spool) or dropped.
   */
  public String account() {
    long exits = figure(AgentFigure.EXITS_RECEIVED);
    long samples = figure(AgentFigure.SAMPLES);
    long spooled = figure(AgentFigure.SPOOL_RECORDS);
    long waiting = figure(AgentFigure.QUEUE_RECORDS) + figure(AgentFigure.INFLIGHT_RECORDS) + spooled;
    return String.format("exits %,d + samples %,d%s = records %,d: delivered %,d, waiting %,d%s, dropped %,d",
        exits, samples, carriedOver > 0 ? String.format(" + %,d from the last run's spool", carriedOver) : "",
        exits + samples + carriedOver, figure(AgentFigure.RECORDS_PUBLISHED), waiting,
        spooled > 0 ? " (in the spool: sent first at the next start)" : "", figure(AgentFigure.RECORDS_DROPPED));
  }
}
