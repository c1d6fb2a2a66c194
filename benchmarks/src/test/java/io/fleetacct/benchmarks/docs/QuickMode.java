package io.fleetacct.benchmarks.docs;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How each documented command runs in a test: the command as written, made quick (the documented
 * sizes made small, JMH's iterations cut) and kept to itself (a temporary state directory, free
 * ports, this host's names), or why it is not run here. A command that no rule claims has no plan:
 * a new command in the docs needs one (DocumentedCommandsTest says which).
 *
 * <p>Placeholders that the running test fills: {@code {state}} a temporary directory, {@code
 * {bootstrap}} the running {@code up}'s broker, {@code {api}} its query API, {@code {host}} its host
 * name, {@code {cgroup}} and {@code {command}} keys it has counted, {@code {from}}/{@code {to}} the
 * last hour, {@code {pid}} a live process, {@code {cgroup-v1}} a cgroup v1 cpu directory.
 */
public final class QuickMode {

  /** What a test does with a command. */
  public enum Kind {
    /** {@code ./fleetacct up}: started, awaited until ready, stopped with SIGTERM. */
    UP,
    /** Runs to its end; exit status 0. */
    COMMAND,
    /** Runs until SIGTERM (a service): awaited until it works, then stopped; exit status 0. */
    SERVICE,
    /** A query of up's API: HTTP 200 with JSON. */
    QUERY
  }

  /** A plan: run {@code quick} as {@code kind}, or not here, for {@code reason}. */
  public record Plan(Kind kind, String quick, String reason) {
    static Plan run(Kind kind, String quick) {
      return new Plan(kind, quick, null);
    }

    static Plan notHere(String reason) {
      return new Plan(null, null, reason);
    }

    public boolean runs() {
      return kind != null;
    }

    /** Whether it needs a running {@code up} (its broker, API or keys). */
    public boolean needsUp() {
      return runs() && (kind == Kind.QUERY || quick.contains("{bootstrap}"));
    }
  }

  /** Mentions in prose: parts of commands given whole elsewhere. */
  private static final List<String> FRAGMENTS = List.of("java -cp", "./fleetacct agent", "./fleetacct agent run",
      "helm lint --strict", "helm template", "git worktree add");

  /** Quick sizes of the benchmark commands: JVM properties and arguments, by main class. */
  private static final Map<String, String[]> BENCHMARKS = Map.of(
      "PipelineBenchmark", new String[] {"", "20000"},
      "AgentCpuBenchmark", new String[] {"-Dbench.settle=1 -Dbench.baseline=1 -Dbench.startup=3", "1"},
      "StreamsBenchmark", new String[] {"-Dbench.warmup=2000 -Dbench.markers=5", "5000"},
      "RangedTopBenchmark", new String[] {"", "50 1"},
      "SamplerBenchmark", new String[] {"", "50 2"},
      "ClosureBenchmark", new String[] {"", "0.1 2"},
      "CommandCardinality", new String[] {"", "{bootstrap}"},
      "sketch.SketchChoice", new String[] {"", "100"});

  private static final Pattern MAIN = Pattern.compile(
      "^java (.*?)-cp benchmarks/target/benchmarks\\.jar io\\.fleetacct\\.benchmarks\\.([\\w.]+)(?: (.*))?$");
  /** A JMH benchmark by name, with or without options of its own (the quick ones replace them). */
  private static final Pattern JMH = Pattern.compile("^(java -jar benchmarks/target/benchmarks\\.jar \\w+)( -.*)?$");
  private static final Pattern SUITE_TEST = Pattern.compile("-Dit\\.test=(\\w+)");

  private QuickMode() {}

  /** The plan of a documented command, or null when no rule claims it. */
  public static Plan of(String command) {
    if (command.startsWith("curl ")) {
      Matcher url = Pattern.compile("'(http://127\\.0\\.0\\.1:8080/[^']*)'").matcher(command);
      return url.find() ? Plan.run(Kind.QUERY, keysOfUp(url.group(1))) : null;
    }
    if (FRAGMENTS.contains(command) || command.contains("...")) {
      return Plan.notHere("part of a command that the docs give whole");
    }
    Matcher suiteTest = SUITE_TEST.matcher(command);
    if (command.startsWith("mvn ") && suiteTest.find() && !suiteTest.group(1).equals("NAME")) {
      return Plan.notHere("one test of the suite this test belongs to: " + suiteTest.group(1));
    }
    if (command.startsWith("mvn ") || command.equals("bash .ci/run")) {
      return Plan.notHere("the build or the test suite that this test runs in");
    }
    if (command.startsWith("git worktree add ") || command.contains("-Dbench.launchers=")) {
      return Plan.notHere("a before/after run against a second tree of an older commit");
    }
    if (command.startsWith("helm install ")) { // without a cluster: what it would install, rendered
      return Plan.run(Kind.COMMAND, command.replaceFirst("^helm install ", "helm template "));
    }
    if (command.matches("\\./fleetacct up( --verbose)?")) { // --verbose only adds a line: one run checks both
      return Plan.run(Kind.UP, "./fleetacct up --verbose --state-dir {state} --http-port 0 --agent-metrics-port -1");
    }
    if (command.matches("\\./fleetacct \\w+( \\w+)? --help")) {
      return Plan.run(Kind.COMMAND, command);
    }
    if (command.startsWith("./fleetacct agent listen")) {
      return Plan.run(Kind.COMMAND, command + " --duration 3");
    }
    if (command.matches("\\./fleetacct agent (check|pid 1234|tgid 1234)")) {
      return Plan.run(Kind.COMMAND, command.replace("1234", "{pid}"));
    }
    if (command.equals("./fleetacct agent cgroupstats /sys/fs/cgroup/cpu/mygroup")) {
      return Plan.run(Kind.COMMAND, "./fleetacct agent cgroupstats {cgroup-v1}");
    }
    if (command.startsWith("./fleetacct agent run --bootstrap-servers kafka:9092 ")) {
      return Plan.run(Kind.SERVICE, command.replace("kafka:9092", "{bootstrap}")
          .replace("/var/lib/fleetacct/spool", "{state}/spool") + " --metrics-port 0");
    }
    if (command.startsWith("./fleetacct streams run --bootstrap-servers kafka:9092 ")) {
      return Plan.run(Kind.SERVICE, command.replace("kafka:9092", "{bootstrap}")
          .replace("/var/lib/fleetacct/streams", "{state}/streams") + " --http-port 0");
    }
    Matcher jmh = JMH.matcher(command);
    if (jmh.matches()) {
      return Plan.run(Kind.COMMAND, jmh.group(1) + " -f 1 -wi 0 -i 1 -r 200ms");
    }
    Matcher main = MAIN.matcher(command);
    if (main.matches() && BENCHMARKS.containsKey(main.group(2))) {
      String[] quick = BENCHMARKS.get(main.group(2));
      // A heap size only fits the documented sizes: the quick ones run in the default heap, and a
      // command that differs from another only by it runs once.
      String props = (main.group(1).replaceAll("-Xmx\\S+ ", "") + quick[0]).strip();
      return Plan.run(Kind.COMMAND, "java " + (props.isEmpty() ? "" : props + " ")
          + "-cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks." + main.group(2) + " " + quick[1]);
    }
    return null;
  }

  /** The README's example keys made this run's: its host, a cgroup and a command it counted, the last hour. */
  private static String keysOfUp(String url) {
    return url.replace("http://127.0.0.1:8080", "{api}")
        .replaceAll("/hosts/(vm|web-1)/", "/hosts/{host}/")
        .replace("path=/system.slice/cron.service", "path={cgroup}")
        .replaceAll("/commands/(python3|java)/", "/commands/{command}/")
        .replaceAll("from=[^&]*&to=[^&]*", "from={from}&to={to}");
  }
}
