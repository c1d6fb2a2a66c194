package io.fleetacct.benchmarks;

import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.testing.CProgram;
import io.fleetacct.testing.Workload;
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
 * parallel fork loops of the test workload), publishing to a real embedded broker, side by side
 * with the floor: a minimal C listener ({@code workload/floor.c}: recv, find the pid, print a
 * line) registered for the same CPUs in the same storm. The storm runs through a warm-up (not
 * measured) and then the measured window; for each listener it reports CPU time per exit (utime +
 * stime from /proc/PID/stat over the window, divided by the exits it received in it) and the ratio
 * to the floor's, RSS, and for agents the bytes per exit the broker stored. Needs root and a C
 * compiler.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.AgentCpuBenchmark [seconds]}
 * ({@code -Dbench.warmup=SECONDS}, default 30;
 * {@code -Dbench.agents="--attribution exact;--attribution proc"}: one agent per option set, all
 * in the same storm, default one agent with default options;
 * {@code -Dbench.kafka-away=true}: the broker stopped for the window, so that everything is spooled;
 * {@code -Dbench.threads=true}: CPU by thread).
 */
public final class AgentCpuBenchmark {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
    double warmup = Double.parseDouble(System.getProperty("bench.warmup", "30"));
    List<String> optionSets = List.of(System.getProperty("bench.agents", "").split(";"));
    boolean kafkaAway = Boolean.getBoolean("bench.kafka-away");
    Path work = Files.createTempDirectory("fleetacct-cpu-bench-");
    List<Agent> agents = new ArrayList<>();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
         Floor floor = Floor.start(CpuList.possible().toString())) {
      broker.createTopic("bench.status", 1);
      for (int i = 0; i < optionSets.size(); i++) {
        broker.createTopic("bench.exits." + i, 1);
        agents.add(Agent.start(broker, i, optionSets.get(i).trim(), work));
      }
      for (Agent a : agents) {
        a.awaitReady();
      }
      Process a = Workload.startFor(warmup + seconds, "cpub");
      Process b = Workload.startFor(warmup + seconds, "cpub");
      Thread.sleep((long) (warmup * 1000)); // the JIT compiles the hot paths: steady state is what runs for months
      if (kafkaAway) { // the spool path: everything goes to disk, memory must stay flat
        broker.stop();
      }
      long t0 = System.nanoTime();
      floor.mark();
      for (Agent agent : agents) {
        agent.mark();
      }
      long forked = Workload.total(a) + Workload.total(b);
      Thread.sleep(1_000); // the last batch
      double wall = (System.nanoTime() - t0) / 1e9;
      floor.measure();
      for (Agent agent : agents) {
        agent.measure();
      }
      if (kafkaAway) {
        broker.start();
      }
      System.out.printf("fork storm: two fork loops, %.0f s warm-up, then %.1f s measured; %d processes forked in"
          + " all%n", warmup, wall, forked);
      System.out.printf("%-40s %10s %8s %8s %9s %8s %6s %9s%n", "listener", "exits", "exits/s", "CPU s", "us/exit",
          "vs floor", "RSS", "overflows");
      floor.print(wall, floor);
      for (Agent agent : agents) {
        agent.print(wall, floor);
      }
      for (Agent agent : agents) {
        agent.report(broker);
      }
    } finally {
      for (Agent agent : agents) {
        agent.stop();
      }
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** What one listener did over the measured window. */
  private abstract static class Listener {
    final String name;
    final long pid;
    long received0;
    long ticks0;
    long received;
    double cpuSeconds;
    long rssKib;

    Listener(String name, long pid) {
      this.name = name;
      this.pid = pid;
    }

    abstract long received() throws Exception;

    abstract long overflows() throws Exception;

    void mark() throws Exception {
      received0 = received();
      ticks0 = cpuTicks(pid);
    }

    void measure() throws Exception {
      cpuSeconds = (cpuTicks(pid) - ticks0) / 100.0; // USER_HZ
      received = received() - received0;
      rssKib = rssKib(pid);
    }

    double microsPerExit() {
      return cpuSeconds * 1e6 / received;
    }

    void print(double wall, Listener floor) throws Exception {
      System.out.printf("%-40s %10d %8.0f %8.2f %9.1f %7.2fx %3d MiB %9d%n", name, received, received / wall,
          cpuSeconds, microsPerExit(), microsPerExit() / floor.microsPerExit(), rssKib / 1024, overflows());
    }
  }

  /** workload/floor.c: counts on SIGUSR1, on stderr. */
  private static final class Floor extends Listener implements AutoCloseable {
    private final Process process;
    private final java.io.BufferedReader said;
    private long overflows;

    private Floor(Process process) {
      super("floor (C: recv, find the pid, print)", process.pid());
      this.process = process;
      this.said = process.errorReader();
    }

    static Floor start(String cpus) throws IOException {
      Floor f = new Floor(new ProcessBuilder(CProgram.binary("floor").toString(), cpus)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
      if (!"registered".equals(f.said.readLine())) {
        throw new IllegalStateException("the floor listener did not register");
      }
      return f;
    }

    @Override
    long received() throws Exception {
      new ProcessBuilder("kill", "-USR1", String.valueOf(pid)).start().waitFor();
      String[] f = said.readLine().split(" "); // received N overflows M
      overflows = Long.parseLong(f[3]);
      return Long.parseLong(f[1]);
    }

    @Override
    long overflows() {
      return overflows;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy(); // SIGTERM: it deregisters
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** {@code fleetacct-agent run} in a child JVM; counts from its /metrics. */
  private static final class Agent extends Listener {
    private final Process process;
    private final int port;
    private final String topic;
    private final boolean threads = Boolean.getBoolean("bench.threads");
    private Sampler sampler;
    private java.util.Map<String, Long> threadTicks0;
    private java.util.Map<String, Long> threadTicks1;

    private Agent(String options, Process process, int port, String topic) {
      super("agent " + (options.isEmpty() ? "(defaults)" : options), process.pid());
      this.process = process;
      this.port = port;
      this.topic = topic;
    }

    static Agent start(EmbeddedKafkaBroker broker, int i, String options, Path work) throws IOException {
      int port = LoopbackPorts.free();
      String topic = "bench.exits." + i;
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.fleetacct", "-Dorg.apache.avro.specific.use_custom_coders=true",
          "-Xmx512m"));
      String extra = System.getenv("AGENT_JVM_ARGS"); // e.g. a profiler
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.fleetacct.agent.cli.AgentCli", "run",
          "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--status-topic", "bench.status",
          "--host", "bench-" + i, "--spool-dir", work.resolve("spool-" + i).toString(),
          "--metrics-port", String.valueOf(port)));
      if (!options.isEmpty()) {
        cmd.addAll(List.of(options.split("\\s+")));
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(work.resolve("agent-" + i + ".log").toFile()).start();
      return new Agent(options, p, port, topic);
    }

    void awaitReady() throws Exception {
      for (int i = 0; i < 600; i++) {
        try {
          if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
              HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
            return;
          }
        } catch (IOException e) {
          // not yet
        }
        if (!process.isAlive()) {
          break;
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException(name + " not ready");
    }

    @Override
    long received() throws Exception {
      return metric(port, "fleetacct_agent_exits_received_total");
    }

    @Override
    long overflows() throws Exception {
      return metric(port, "fleetacct_agent_kernel_overflow_events_total");
    }

    @Override
    void mark() throws Exception {
      super.mark();
      threadTicks0 = threadTicks(pid);
      sampler = new Sampler(pid, port);
      sampler.start();
    }

    @Override
    void measure() throws Exception {
      super.measure();
      threadTicks1 = threadTicks(pid);
      sampler.interrupt();
      sampler.join();
    }

    /** Bounds over the window, bytes per exit, and CPU by thread if asked. */
    void report(EmbeddedKafkaBroker broker) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long published;
      while ((published = metric(port, "fleetacct_agent_records_published_total"))
          < metric(port, "fleetacct_agent_exits_received_total") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      long stored = logBytes(broker.dataDir().resolve("kafka-logs/" + topic + "-0"));
      System.out.printf("%s: RSS %d to %d MiB over the window; pid->cgroup map at most %d entries; memory queue at"
              + " most %d records; spool at most %d records, %.1f MiB; %.1f bytes per exit encoded, %.1f stored by"
              + " the broker (%d published)%n", name, sampler.rssMin / 1024, sampler.rssMax / 1024, sampler.mapMax,
          sampler.queueMax, sampler.spoolRecordsMax, sampler.spoolBytesMax / 1048576.0,
          metric(port, "fleetacct_agent_encoded_bytes_total") / (double) published, stored / (double) published,
          published);
      if (threads) {
        System.out.printf("%s: CPU by thread over the window, per exit%n", name);
        threadTicks1.entrySet().stream()
            .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - threadTicks0.getOrDefault(e.getKey(), 0L)))
            .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
            .forEach(e -> System.out.printf("  thread %-28s %6.2f s %6.1f us%n", e.getKey(), e.getValue() / 100.0,
                e.getValue() / 100.0 * 1e6 / received));
      }
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
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
          // One scrape a second: the agent's cost of answering it is in its figures (metrics-http).
          String body = scrape(port);
          mapMax = Math.max(mapMax, metricOr(body, "fleetacct_agent_cgroup_map_entries", 0)); // proc mode only
          queueMax = Math.max(queueMax, metricOr(body, "fleetacct_agent_queue_records", 0));
          spoolRecordsMax = Math.max(spoolRecordsMax, metricOr(body, "fleetacct_agent_spool_records", 0));
          spoolBytesMax = Math.max(spoolBytesMax, metricOr(body, "fleetacct_agent_spool_bytes", 0));
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

  /** CPU ticks of each of a process's threads, by thread name (digits folded). */
  private static java.util.Map<String, Long> threadTicks(long pid) throws IOException {
    java.util.Map<String, Long> byName = new java.util.HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        String name = Files.readString(t.resolve("comm")).trim().replaceAll("\\d+", "N");
        byName.merge(name, cpuTicks(t.resolve("stat")), Long::sum);
      }
    }
    return byName;
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

  private static long metric(int port, String name) throws Exception {
    long v = metricOr(scrape(port), name, -1);
    if (v < 0) {
      throw new IllegalStateException("no metric " + name);
    }
    return v;
  }

  private static String scrape(int port) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static long metricOr(String body, String name, long absent) {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : absent;
  }
}
