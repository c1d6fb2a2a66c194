package io.fleetacct.benchmarks;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.common.io.Directories;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.LoopbackPorts;
import io.fleetacct.testing.CProgram;
import io.fleetacct.testing.Workload;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the agent costs a node: the real agent, started the way users start it ({@code ./fleetacct
 * agent run}, so with the launcher's JVM settings), in a real fork storm (two parallel fork loops
 * of the test workload), publishing to a real embedded broker, side by side with the floor: a
 * minimal C listener ({@code workload/floor.c}: recv, find the pid, print a line) registered for
 * the same CPUs in the same storm throughout.
 *
 * <p>Three phases, the storm running through all of them, after {@code bench.settle} s (default 20)
 * in which the broker's own start-up settles:
 * <ol>
 *   <li><b>storm alone</b> ({@code bench.baseline} s, default 20): the storm's exit rate with no
 *       agent, as the floor counts it;
 *   <li><b>start-up</b>: the agents are launched into the storm; over their first {@code
 *       bench.startup} s (default 60), their whole CPU (utime + stime since exec), the exits they
 *       received, and the <em>start-up cost</em>: that CPU minus what the same exits cost at the
 *       steady-state rate below (class loading, JIT compilation, connecting);
 *   <li><b>steady state</b> ({@code seconds}, default 30): CPU per exit of each listener over the
 *       window, its ratio to the floor's, and the storm's exit rate beside the agents.
 * </ol>
 * RSS is read every second from launch; the agents' bounded structures every 5 s from /metrics (as
 * often as a Prometheus would scrape it). Needs root and a C compiler.
 *
 * <p>Run from the repository root: {@code java -cp benchmarks/target/benchmarks.jar
 * io.fleetacct.benchmarks.AgentCpuBenchmark [seconds]}. Properties: {@code
 * -Dbench.agents="--attribution exact;--attribution proc"} one agent per option set, all in the
 * same storm (default one agent with default options); {@code -Dbench.jvm="-XX:..."} JVM options
 * after the launcher's (its {@code FLEETACCT_JAVA_OPTS}), {@code -Dbench.jvms="A;B"} more of them per agent; {@code -Dbench.launcher=PATH} (default
 * {@code ./fleetacct}), or {@code -Dbench.launchers="PATH_A;PATH_B"} one launcher per agent (another
 * tree's build beside this one's, same storm: before and after a change); {@code -Dbench.kafka-away=true} the broker stopped for the steady window,
 * so that everything is spooled; {@code -Dbench.threads=true} CPU by thread.
 */
public final class AgentCpuBenchmark {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    double steady = args.length > 0 ? Double.parseDouble(args[0]) : 30;
    double baseline = Double.parseDouble(System.getProperty("bench.baseline", "20"));
    double startup = Double.parseDouble(System.getProperty("bench.startup", "60"));
    double settle = Double.parseDouble(System.getProperty("bench.settle", "20"));
    List<Path> launchers = new ArrayList<>();
    for (String l : System.getProperty("bench.launchers", System.getProperty("bench.launcher", "fleetacct")).split(";")) {
      launchers.add(Path.of(l.trim()).toAbsolutePath());
    }
    List<String> optionSets = new ArrayList<>(List.of(System.getProperty("bench.agents", "").split(";")));
    while (optionSets.size() < launchers.size()) {
      optionSets.add(optionSets.get(0));
    }
    boolean kafkaAway = Boolean.getBoolean("bench.kafka-away");
    for (Path launcher : launchers) {
      buildIfNeeded(launcher);
    }
    Path work = Files.createTempDirectory("fleetacct-cpu-bench-");
    List<Agent> agents = new ArrayList<>();
    List<Process> storm = new ArrayList<>();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
         Floor floor = Floor.start(CpuList.possible(HostRoot.real()).toString())) {
      broker.createTopic("bench.status", 1);
      // Ended after the steady window; the margin covers the agents' starts (at most 60 s each).
      double stormSeconds = settle + baseline + startup + steady + 120;
      Process a = Workload.startFor(stormSeconds, "cpub");
      Process b = Workload.startFor(stormSeconds, "cpub");
      storm.addAll(List.of(a, b));
      Thread.sleep((long) (settle * 1000)); // the broker's own start-up (JIT) over: it slowed the storm

      Reading alone0 = floor.read();
      Thread.sleep((long) (baseline * 1000));
      Reading launch = floor.read();
      for (int i = 0; i < optionSets.size(); i++) {
        broker.createTopic("bench.exits." + i, 1);
        agents.add(Agent.launch(launchers.get(Math.min(i, launchers.size() - 1)), broker, i, optionSets.get(i).trim(),
            work));
      }
      Thread.sleep((long) (startup * 1000));
      Reading steady0 = floor.read();
      Duration broker0 = broker.cpuTime();
      for (Agent agent : agents) {
        agent.endStartup();
      }
      if (kafkaAway) { // the spool path: everything goes to disk, memory must stay flat
        broker.stop();
      }
      Thread.sleep((long) (steady * 1000));
      Reading steady1 = floor.read();
      Duration brokerSteady = broker.cpuTime().minus(broker0);
      for (Agent agent : agents) {
        agent.endSteady();
      }
      if (kafkaAway) {
        broker.start();
      }
      long forked = Workload.stop(a) + Workload.stop(b);

      Span alone = new Span(alone0, launch);
      Span floorStartup = new Span(launch, steady0);
      Span floorSteady = new Span(steady0, steady1);
      System.out.printf("fork storm: two fork loops, %d processes forked%n", forked);
      System.out.printf("storm alone (floor only) %.0f exits/s; beside the agent(s): %.0f exits/s in their first"
              + " %.0f s (%+.1f%%), %.0f exits/s in the steady window (%+.1f%%)%n", alone.rate(), floorStartup.rate(),
          startup, (floorStartup.rate() / alone.rate() - 1) * 100, floorSteady.rate(),
          (floorSteady.rate() / alone.rate() - 1) * 100);
      if (!kafkaAway) { // a restarted broker is another process
        System.out.printf("the broker (which a node does not run) used %.2f s CPU in the steady window%n",
            brokerSteady.toMillis() / 1000.0);
      }
      System.out.printf("%nsteady state, %.1f s from %.0f s after launch:%n", floorSteady.seconds(), startup);
      System.out.printf("%-40s %10s %8s %8s %9s %8s %9s%n", "listener", "exits", "exits/s", "CPU s", "us/exit",
          "vs floor", "overflows");
      printRow("floor (C: recv, find the pid, print)", floorSteady, floorSteady, floor.overflows());
      for (Agent agent : agents) {
        printRow(agent.name, agent.steady(), floorSteady, agent.overflows());
      }
      System.out.printf("%nstart-up, the first %.0f s after launch (the floor: %.1f us/exit over the same"
          + " time):%n", startup, floorStartup.microsPerExit());
      for (Agent agent : agents) {
        agent.reportStartup();
      }
      System.out.println();
      for (Agent agent : agents) {
        agent.report(broker);
      }
    } finally {
      storm.forEach(Process::destroy); // ended already unless something failed
      for (Agent agent : agents) {
        agent.stop();
      }
      Directories.deleteTree(work);
    }
  }

  private static void printRow(String name, Span s, Span floor, long overflows) {
    System.out.printf("%-40s %10d %8.0f %8.2f %9.1f %7.2fx %9d%n", name, s.exits(), s.rate(), s.cpuSeconds(),
        s.microsPerExit(), s.microsPerExit() / floor.microsPerExit(), overflows);
  }

  /** Runs {@code launcher agent --version}, which builds first if sources changed, so that launches time the agent only. */
  private static void buildIfNeeded(Path launcher) throws Exception {
    if (!Files.isExecutable(launcher)) {
      throw new IllegalStateException(launcher + " is not the fleetacct launcher: run from the repository root or set"
          + " -Dbench.launcher");
    }
    Process p = new ProcessBuilder(launcher.toString(), "agent", "--version").inheritIO().start();
    if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(launcher + " agent --version failed");
    }
  }

  /** A listener's CPU ticks (utime + stime since exec) and exits received, at one moment. */
  private record Reading(long nanos, long ticks, long received) {}

  /** What a listener did between two readings. */
  private record Span(Reading from, Reading to) {
    double seconds() {
      return (to.nanos - from.nanos) / 1e9;
    }

    long exits() {
      return to.received - from.received;
    }

    double cpuSeconds() {
      return (to.ticks - from.ticks) / 100.0; // USER_HZ
    }

    double rate() {
      return exits() / seconds();
    }

    double microsPerExit() {
      return cpuSeconds() * 1e6 / exits();
    }
  }

  /** workload/floor.c: counts on SIGUSR1, on stderr. */
  private static final class Floor implements AutoCloseable {
    private final Process process;
    private final BufferedReader said;
    private long overflows;

    private Floor(Process process) {
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

    Reading read() throws Exception {
      long ticks = cpuTicks(process.pid());
      new ProcessBuilder("kill", "-USR1", String.valueOf(process.pid())).start().waitFor();
      String[] f = said.readLine().split(" "); // received N overflows M
      overflows = Long.parseLong(f[3]);
      return new Reading(System.nanoTime(), ticks, Long.parseLong(f[1]));
    }

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

  /** {@code fleetacct agent run} in a child JVM; counts from its /metrics. */
  private static final class Agent {
    final String name;
    private final Process process;
    private final long pid;
    private final int port;
    private final String topic;
    private final Reading launched;
    private final Sampler sampler;
    private final boolean threads = Boolean.getBoolean("bench.threads");
    private Reading startupEnd;
    private Reading steadyEnd;
    private Map<String, Long> threadTicksStartup;
    private Map<String, Long> threadTicksSteady;
    private long rssStartupMax;

    /** @param tree the launcher's directory, named where several trees run side by side */
    private Agent(String tree, String options, Process process, int port, String topic) {
      this.name = "agent " + tree + (options.isEmpty() ? "(defaults)" : options);
      this.process = process;
      this.pid = process.pid();
      this.port = port;
      this.topic = topic;
      this.launched = new Reading(System.nanoTime(), 0, 0);
      this.sampler = new Sampler(pid, port);
      sampler.start();
    }

    static Agent launch(Path launcher, EmbeddedKafkaBroker broker, int i, String options, Path work)
        throws IOException {
      int port = LoopbackPorts.free();
      String topic = "bench.exits." + i;
      List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "agent", "run",
          "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--status-topic", "bench.status",
          "--host", "bench-" + i, "--spool-dir", work.resolve("spool-" + i).toString(),
          "--metrics-port", String.valueOf(port)));
      if (!options.isEmpty()) {
        cmd.addAll(List.of(options.split("\\s+")));
      }
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(work.resolve("agent-" + i + ".log").toFile());
      String[] jvms = System.getProperty("bench.jvms", "").split(";");
      String own = i < jvms.length ? jvms[i].trim() : "";
      pb.environment().put("FLEETACCT_JAVA_OPTS", (System.getProperty("bench.jvm", "") + " " + own).trim());
      String tree = (System.getProperty("bench.launchers") == null ? "" : launcher.getParent().getFileName() + " ")
          + (own.isEmpty() ? "" : "[" + own + "] ");
      return new Agent(tree, options, pb.start(), port, topic);
    }

    private Reading read() throws Exception {
      return new Reading(System.nanoTime(), cpuTicks(pid), metric(port, "fleetacct_agent_exits_received_total"));
    }

    void endStartup() throws Exception {
      startupEnd = read();
      threadTicksStartup = threadTicks(pid);
      rssStartupMax = sampler.rssMax;
      sampler.resetBounds();
    }

    void endSteady() throws Exception {
      steadyEnd = read();
      threadTicksSteady = threadTicks(pid);
      sampler.interrupt();
      sampler.join();
    }

    Span steady() {
      return new Span(startupEnd, steadyEnd);
    }

    long overflows() throws Exception {
      return metric(port, "fleetacct_agent_kernel_overflow_events_total");
    }

    void reportStartup() {
      Span s = new Span(launched, startupEnd);
      double atSteadyRate = s.exits() * steady().microsPerExit() / 1e6;
      System.out.printf("%s: %.2f s CPU for %d exits (%.1f us/exit); at the steady rate those exits cost %.2f s:"
              + " start-up cost %.2f s; RSS at most %d MiB%n", name, s.cpuSeconds(), s.exits(), s.microsPerExit(),
          atSteadyRate, s.cpuSeconds() - atSteadyRate, rssStartupMax / 1024);
      // The part that does not depend on how fast the storm ran: compiling and setting up.
      System.out.printf("%s: of it, JIT compiler threads %.2f s, the main thread (class loading, set-up) %.2f s%n",
          name, ticksOf(threadTicksStartup, "Compiler") / 100.0, threadTicksStartup.getOrDefault("java", 0L) / 100.0);
      if (threads) {
        printThreads(threadTicksStartup, Map.of(), s.exits());
      }
    }

    /** Bounds over the steady window, bytes per exit, and CPU by thread if asked. */
    void report(EmbeddedKafkaBroker broker) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long published;
      while ((published = metric(port, "fleetacct_agent_records_published_total"))
          < metric(port, "fleetacct_agent_exits_received_total") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      long stored = logBytes(broker.dataDir().resolve("kafka-logs/" + topic + "-0"));
      System.out.printf("%s, steady window: RSS %d to %d MiB; pid->cgroup map at most %d entries; memory queue at"
              + " most %d records; spool at most %d records, %.1f MiB; %.1f bytes per exit encoded, %.1f stored by"
              + " the broker (%d published)%n", name, sampler.rssMin / 1024, sampler.rssMax / 1024, sampler.mapMax,
          sampler.queueMax, sampler.spoolRecordsMax, sampler.spoolBytesMax / 1048576.0,
          metric(port, "fleetacct_agent_encoded_bytes_total") / (double) published, stored / (double) published,
          published);
      if (threads) {
        System.out.printf("%s: CPU by thread over the steady window%n", name);
        printThreads(threadTicksSteady, threadTicksStartup, steady().exits());
      }
    }

    private static long ticksOf(Map<String, Long> byThread, String nameContains) {
      return byThread.entrySet().stream().filter(e -> e.getKey().contains(nameContains))
          .mapToLong(Map.Entry::getValue).sum();
    }

    private static void printThreads(Map<String, Long> to, Map<String, Long> from, long exits) {
      to.entrySet().stream()
          .map(e -> Map.entry(e.getKey(), e.getValue() - from.getOrDefault(e.getKey(), 0L)))
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
          .forEach(e -> System.out.printf("  thread %-28s %6.2f s %6.1f us/exit%n", e.getKey(), e.getValue() / 100.0,
              e.getValue() / 100.0 * 1e6 / exits));
    }

    void stop() throws InterruptedException {
      sampler.interrupt();
      process.destroy(); // SIGTERM
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /**
   * Reads the agent's resident memory every second and its bounded structures every 5 s, until
   * interrupted.
   */
  private static final class Sampler extends Thread {
    private final long pid;
    private final int port;
    volatile long rssMin;
    volatile long rssMax;
    long mapMax;
    long queueMax;
    long spoolRecordsMax;
    long spoolBytesMax;

    Sampler(long pid, int port) {
      super("sampler");
      this.pid = pid;
      this.port = port;
      setDaemon(true);
      resetBounds();
    }

    void resetBounds() {
      rssMin = Long.MAX_VALUE;
      rssMax = 0;
    }

    @Override
    public void run() {
      try {
        for (long second = 0; !isInterrupted(); second++) {
          long rss = rssKib(pid);
          rssMin = Math.min(rssMin, rss);
          rssMax = Math.max(rssMax, rss);
          if (second % 5 == 4) {
            scrapeBounds();
          }
          Thread.sleep(1_000);
        }
      } catch (InterruptedException e) {
        // done
      } catch (Exception e) {
        throw new IllegalStateException("sampling the agent failed", e);
      }
    }

    private void scrapeBounds() throws Exception {
      String body;
      try {
        body = scrape(port);
      } catch (IOException e) {
        return; // not serving yet
      }
      mapMax = Math.max(mapMax, metricOr(body, "fleetacct_agent_cgroup_map_entries", 0)); // proc mode only
      queueMax = Math.max(queueMax, metricOr(body, "fleetacct_agent_queue_records", 0));
      spoolRecordsMax = Math.max(spoolRecordsMax, metricOr(body, "fleetacct_agent_spool_records", 0));
      spoolBytesMax = Math.max(spoolBytesMax, metricOr(body, "fleetacct_agent_spool_bytes", 0));
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
  private static Map<String, Long> threadTicks(long pid) throws IOException {
    Map<String, Long> byName = new HashMap<>();
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

  /** The agent's /metrics; while it is still starting (a short bench.startup), waits for it up to 60 s. */
  private static String scrape(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      } catch (ConnectException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static long metricOr(String body, String name, long absent) {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : absent;
  }
}
