package io.fleetacct.benchmarks;

import io.fleetacct.agent.testing.Workload;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real agent (a child JVM running {@code fleetacct-agent run}) under a real fork storm (two
 * parallel fork loops of the test workload), publishing to a real embedded broker. Reports the
 * agent's CPU time per exit (utime + stime from /proc/PID/stat over the storm, divided by the
 * exits it received) and the bytes per exit the broker stored. Needs root and a C compiler.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.AgentCpuBenchmark [seconds]}
 * ({@code -Dbench.warmup=SECONDS}, default 10: one fork loop first, not measured;
 * {@code -Dbench.agent.args="--sockets per-cpu"}: options for the agent;
 * {@code -Dbench.threads=true}: CPU by thread).
 */
public final class AgentCpuBenchmark {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
    Path spool = Files.createTempDirectory("fleetacct-cpu-bench-");
    int port = LoopbackPorts.free();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      broker.createTopic("bench.exits", 1);
      broker.createTopic("bench.status", 1);
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.fleetacct", "-Dorg.apache.avro.specific.use_custom_coders=true",
          "-Xmx512m"));
      String extra = System.getenv("AGENT_JVM_ARGS"); // e.g. a profiler
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.fleetacct.agent.cli.AgentCli", "run",
          "--bootstrap-servers", broker.bootstrapServers(), "--topic", "bench.exits", "--status-topic",
          "bench.status", "--spool-dir", spool.toString(), "--metrics-port", String.valueOf(port)));
      String agentArgs = System.getProperty("bench.agent.args", ""); // e.g. "--sockets per-cpu"
      if (!agentArgs.isBlank()) {
        cmd.addAll(List.of(agentArgs.trim().split("\\s+")));
      }
      Process agent = new ProcessBuilder(cmd)
          .redirectErrorStream(true).redirectOutput(spool.resolveSibling("fleetacct-cpu-bench-agent.log").toFile())
          .start();
      try {
        awaitReady(port);
        double warmup = Double.parseDouble(System.getProperty("bench.warmup", "10"));
        if (warmup > 0) { // let the JIT compile the hot paths first: steady state is what runs for months
          long w0 = cpuTicks(agent.pid());
          long r0 = metric(port, "fleetacct_agent_exits_received_total");
          Workload.total(Workload.startFor(warmup, "cpuw"));
          Thread.sleep(1_000);
          long wr = metric(port, "fleetacct_agent_exits_received_total") - r0;
          System.out.printf("warm-up: %d exits, agent CPU %.1f us per exit (JIT compiling)%n", wr,
              (cpuTicks(agent.pid()) - w0) / 100.0 * 1e6 / wr);
        }
        boolean kafkaAway = Boolean.getBoolean("bench.kafka-away");
        if (kafkaAway) { // the spool path: everything goes to disk, memory must stay flat
          broker.stop();
        }
        long received0 = metric(port, "fleetacct_agent_exits_received_total");
        long ticks0 = cpuTicks(agent.pid());
        long t0 = System.nanoTime();
        Sampler sampler = new Sampler(agent.pid(), port);
        sampler.start();
        Process a = Workload.startFor(seconds, "cpub");
        Process b = Workload.startFor(seconds, "cpub");
        long forked = Workload.total(a) + Workload.total(b);
        Thread.sleep(1_000); // the last batch
        sampler.interrupt();
        sampler.join();
        long ticks1 = cpuTicks(agent.pid());
        System.out.printf("bounds over the storm (sampled every second): agent RSS %d to %d MiB; pid->cgroup map at"
                + " most %d entries; memory queue at most %d records; spool at most %d records, %.1f MiB%n",
            sampler.rssMin / 1024, sampler.rssMax / 1024, sampler.mapMax, sampler.queueMax, sampler.spoolRecordsMax,
            sampler.spoolBytesMax / 1048576.0);
        if (kafkaAway) {
          broker.start();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long received = metric(port, "fleetacct_agent_exits_received_total") - received0;
        double cpuSeconds = (ticks1 - ticks0) / 100.0; // USER_HZ
        long rss = rssKib(agent.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long published;
        while ((published = metric(port, "fleetacct_agent_records_published_total"))
            < metric(port, "fleetacct_agent_exits_received_total") && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        if (Boolean.getBoolean("bench.threads")) {
          printThreadCpu(agent.pid());
        }
        long stored = logBytes(broker.dataDir().resolve("kafka-logs/bench.exits-0"));
        double encoded = metric(port, "fleetacct_agent_encoded_bytes_total") / (double) published;
        System.out.printf("agent under a fork storm: %d processes forked, %d exits received in %.1f s (%.0f/s);"
                + " agent CPU %.2f s = %.1f us per exit; RSS %d MiB; kernel overflow events %d;"
                + " %.1f bytes per exit encoded, %.1f stored by the broker (%d published)%n", forked, received, wall,
            received / wall, cpuSeconds, cpuSeconds * 1e6 / received, rss / 1024,
            metric(port, "fleetacct_agent_kernel_overflow_events_total"), encoded, stored / (double) published,
            published);
      } finally {
        agent.destroy();
        agent.waitFor(30, TimeUnit.SECONDS);
        agent.destroyForcibly();
      }
    } finally {
      try (Stream<Path> files = Files.walk(spool)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Samples the agent's resident memory and its bounded structures once a second until interrupted. */
  private static final class Sampler extends Thread {
    private final long pid;
    private final int port;
    long rssMin = Long.MAX_VALUE;
    long rssMax;
    long mapMax;
    long queueMax;
    long spoolRecordsMax;
    long spoolBytesMax;

    Sampler(long pid, int port) {
      super("sampler");
      this.pid = pid;
      this.port = port;
    }

    @Override
    public void run() {
      try {
        while (!isInterrupted()) {
          long rss = rssKib(pid);
          rssMin = Math.min(rssMin, rss);
          rssMax = Math.max(rssMax, rss);
          mapMax = Math.max(mapMax, metric(port, "fleetacct_agent_cgroup_map_entries"));
          queueMax = Math.max(queueMax, metric(port, "fleetacct_agent_queue_records"));
          spoolRecordsMax = Math.max(spoolRecordsMax, metric(port, "fleetacct_agent_spool_records"));
          spoolBytesMax = Math.max(spoolBytesMax, metric(port, "fleetacct_agent_spool_bytes"));
          Thread.sleep(1_000);
        }
      } catch (InterruptedException e) {
        // done
      } catch (Exception e) {
        throw new IllegalStateException("sampling the agent failed", e);
      }
    }
  }

  private static long rssKib(long pid) throws IOException {
    return Long.parseLong(Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:")).findFirst().orElse("VmRSS: 0 kB").replaceAll("\\D", ""));
  }

  /** utime + stime of a process (fields 14 and 15 of its stat), in clock ticks. */
  private static long cpuTicks(long pid) throws IOException {
    return cpuTicks(Path.of("/proc/" + pid + "/stat"));
  }

  /** CPU ticks of each of the agent's threads, by thread name, largest first. */
  private static void printThreadCpu(long pid) throws IOException {
    java.util.Map<String, Long> byName = new java.util.TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        String name = Files.readString(t.resolve("comm")).trim().replaceAll("\\d+", "N");
        byName.merge(name, cpuTicks(t.resolve("stat")), Long::sum);
      }
    }
    byName.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
        .forEach(e -> System.out.printf("  thread %-28s %6.2f s%n", e.getKey(), e.getValue() / 100.0));
  }

  private static long cpuTicks(Path stat) throws IOException {
    String s = Files.readString(stat);
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long logBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void awaitReady(int port) throws Exception {
    for (int i = 0; i < 600; i++) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("agent not ready");
  }

  private static long metric(int port, String name) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("no metric " + name);
    }
    return (long) Double.parseDouble(m.group(1));
  }
}
