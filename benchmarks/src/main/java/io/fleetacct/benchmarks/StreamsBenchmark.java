package io.fleetacct.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.FleetacctTopology;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One streams instance with exactly-once against the embedded broker on this machine:
 * (1) throughput: a warm-up batch (-Dbench.warmup, default 300,000) and N exits produced up front
 * (100 hosts, 500 cgroups, 50 commands); N timed from the moment the query API counts the warm-up
 * until it counts all, so that start-up and JIT compilation stay out of the figure; (2) latency: under a steady
 * background load, marker exits with commands of their own (-Dbench.markers, default 200, 10 a
 * second), timed from their record timestamp until the query API shows them.
 *
 * <p>Run: {@code java [-Dbench.streams.num.stream.threads=1 ...] -cp benchmarks/target/benchmarks.jar
 *     io.fleetacct.benchmarks.StreamsBenchmark [exits]}
 */
public final class StreamsBenchmark {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AvroSerde<TaskExit> SERDE = FleetacctSerdes.taskExit();

  /**
   * This JVM's memory: after the warm-up it is the streams application (and the benchmark's
   * producer in the latency phase); RSS beyond the committed heap is mostly RocksDB's native
   * memory, thread stacks and metaspace.
   */
  private static void printMemory() throws IOException {
    Map<String, Long> status = new java.util.HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
        status.put(line.substring(0, 5), Long.parseLong(line.replaceAll("\\D", "")) / 1024);
      }
    }
    Runtime rt = Runtime.getRuntime();
    System.out.printf("memory: RSS %d MiB (peak %d MiB); Java heap %d MiB used of %d MiB committed, max %d MiB%n",
        status.get("VmRSS"), status.get("VmHWM"), (rt.totalMemory() - rt.freeMemory()) >> 20, rt.totalMemory() >> 20,
        rt.maxMemory() >> 20);
  }

  public static void main(String[] args) throws Exception {
    int exits = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    int warmup = Integer.getInteger("bench.warmup", 300_000);
    int markers = Integer.getInteger("bench.markers", 200);
    Path state = Files.createTempDirectory("fleetacct-streams-bench-");
    Properties extra = new Properties(); // -Dbench.streams.<property>=value overrides any Streams setting
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.streams."))
        .forEach(k -> extra.setProperty(k.substring("bench.streams.".length()), System.getProperty(k)));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      FleetacctTopology.Config topology = FleetacctTopology.Config.defaults();
      FleetacctTopology.Config warmupTopology = new FleetacctTopology.Config("warmup.exits", "warmup.agent-status",
          "warmup.exits.dlq", "warmup.", topology.windowSize(), topology.retention());
      produce(broker, warmupTopology.exitsTopic(), warmup);
      produce(broker, topology.exitsTopic(), exits);

      // The same topology over its own topic first, so that the timed run meets JIT-compiled code.
      long warmupStart = System.nanoTime();
      try (StreamsApp warm = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), "bench-warmup",
          state.resolve("warmup"), "127.0.0.1", 0, "127.0.0.1", 0, warmupTopology, 6, extra))) {
        awaitCounted(warm, warmup);
      }
      System.out.printf("warm-up: %d exits in %.1f s, JIT compilation included%n", warmup,
          (System.nanoTime() - warmupStart) / 1e9);

      long start = System.nanoTime();
      CpuSplit cpu = new CpuSplit(broker);
      StreamsApp app = StreamsApp.start(new StreamsApp.Config(broker.bootstrapServers(), "bench", state.resolve("main"),
          "127.0.0.1", 0, "127.0.0.1", 0, topology, 6, extra));
      try {
        awaitCounted(app, exits);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("streams throughput (exactly_once_v2, 1 instance, 6 partitions): %d exits in %.1f s ="
            + " %.0f exits/s (from start-up, task assignment included)%n", exits, seconds, exits / seconds);
        System.out.println("CPU per exit meanwhile: " + cpu.perEvent(exits));
        printMemory();

        List<Long> latencies = new ArrayList<>();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(),
            new ByteArraySerializer())) {
          int background = exits;
          for (int marker = 0; marker < markers; marker++) {
            for (int k = 0; k < 500; k++) { // ~5,000 exits/s of background load at 10 markers/s
              TaskExit e = exit(background++, Instant.now());
              p.send(new ProducerRecord<>(topology.exitsTopic(), null, e.getReceivedAt().toEpochMilli(), e.getHost(),
                  SERDE.serialize("t", e)));
            }
            TaskExit m = exit(background++, Instant.now());
            m.getTask().setAcComm("lat-" + marker);
            m.setCommand("lat-" + marker);
            long sent = m.getReceivedAt().toEpochMilli();
            p.send(new ProducerRecord<>(topology.exitsTopic(), null, sent, m.getHost(), SERDE.serialize("t", m)));
            p.flush();
            while (status(app, "/v1/commands/lat-" + marker + "/totals") != 200) {
              Thread.sleep(5);
            }
            latencies.add(System.currentTimeMillis() - sent);
            Thread.sleep(Math.max(0, 100 - (System.currentTimeMillis() - sent)));
          }
        }
        Collections.sort(latencies);
        System.out.printf("latency from record timestamp to the query API (%d markers under ~5,000 exits/s):"
                + " p50 %d ms, p99 %d ms, max %d ms%n", markers, latencies.get((markers - 1) / 2),
            latencies.get((int) Math.ceil(markers * 0.99) - 1), latencies.get(markers - 1));
        printMemory();
      } finally {
        app.close();
      }
    }
  }

  /** CPU used from its creation on, split into stream threads, the rest of this JVM, and the broker. */
  private static final class CpuSplit {
    private final EmbeddedKafkaBroker broker;
    private final long process;
    private final long streamThreads;
    private final long brokerCpu;

    CpuSplit(EmbeddedKafkaBroker broker) {
      this.broker = broker;
      this.process = processCpu();
      this.streamThreads = streamThreadCpu();
      this.brokerCpu = broker.cpuTime().toNanos();
    }

    String perEvent(int events) {
      long threads = streamThreadCpu() - streamThreads;
      long rest = processCpu() - process - threads;
      long brokerUsed = broker.cpuTime().toNanos() - brokerCpu;
      return String.format("stream threads %.1f µs, rest of the JVM %.1f µs, broker %.1f µs", threads / 1e3 / events,
          rest / 1e3 / events, brokerUsed / 1e3 / events);
    }

    private static long processCpu() {
      return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }

    private static long streamThreadCpu() {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long sum = 0;
      for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (t != null && t.getThreadName().contains("-StreamThread-") && !t.getThreadName().contains("producer")) {
          sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
        }
      }
      return sum;
    }
  }

  private static TaskExit exit(int i, Instant at) {
    TaskExit e = CapturedExits.single();
    e.setHost("host-" + i % 100);
    e.setAgentInstance("agent-" + i % 100);
    e.setAgentSeq(i / 100);
    e.setCgroup("/fleet/svc-" + i * 7 % 500);
    e.getTask().setAcComm("cmd-" + i * 13 % 50);
    e.setCommand(e.getTask().getAcComm());
    e.setReceivedAt(at);
    // Waits that differ from exit to exit, as a fleet's do: the delay sketches keep their spread.
    TaskStats t = e.getTask();
    t.setCpuCount(1 + i * 31L % 200);
    t.setCpuDelayTotal(t.getCpuCount() * (1_000L + i * 7_919L % 5_000_000));
    t.setBlkioCount(i % 4 == 0 ? 1 + i % 20 : 0);
    t.setBlkioDelayTotal(t.getBlkioCount() * (50_000L + i * 104_729L % 20_000_000));
    return e;
  }

  private static void produce(EmbeddedKafkaBroker broker, String topic, int exits) throws Exception {
    broker.createTopic(topic, 6);
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd"), new StringSerializer(), new ByteArraySerializer())) {
      Instant t0 = Instant.now().minusSeconds(3600);
      for (int i = 0; i < exits; i++) {
        TaskExit e = exit(i, t0.plusMillis(i / 100));
        p.send(new ProducerRecord<>(topic, null, e.getReceivedAt().toEpochMilli(), e.getHost(),
            SERDE.serialize(topic, e)));
      }
    }
  }

  /** Waits until every table counts all exits: the top sums first, then host+cgroup by its 500 keys. */
  private static void awaitCounted(StreamsApp app, long exits) throws Exception {
    while (Math.min(Math.min(sumOfTop(app, "hosts", 100), sumOfTop(app, "cgroups", 500)),
        sumOfTop(app, "commands", 50)) < exits || hostCgroupSum(app) < exits) {
      Thread.sleep(100);
    }
  }

  private static long hostCgroupSum(StreamsApp app) throws Exception {
    long sum = 0;
    for (int r = 0; r < 500; r++) {
      HttpResponse<String> t = HTTP.send(HttpRequest.newBuilder(URI.create(app.url() + "/v1/hosts/host-" + r % 100
          + "/cgroups/totals?path=/fleet/svc-" + r * 7 % 500)).build(), HttpResponse.BodyHandlers.ofString());
      if (t.statusCode() == 200) {
        sum += JSON.readTree(t.body()).get("exits").asLong();
      }
    }
    return sum;
  }

  private static long sumOfTop(StreamsApp app, String table, int keys) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(app.url()
        + "/v1/" + table + "/top?by=exits&limit=" + keys)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return 0;
    }
    long sum = 0;
    for (var n : JSON.readTree(r.body()).get("rows")) {
      sum += n.get("exits").asLong();
    }
    return sum;
  }

  private static int status(StreamsApp app, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(app.url() + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
