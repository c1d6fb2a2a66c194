package io.fleetacct.benchmarks.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.benchmarks.docs.QuickMode.Kind;
import io.fleetacct.benchmarks.docs.QuickMode.Plan;
import io.fleetacct.testing.Http;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.testing.IntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that README.md and docs/ give users, except the benchmarks (their own test), runs
 * as written in its quick mode ({@link QuickMode}): {@code ./fleetacct up} starts and stops cleanly;
 * against it, every documented query answers 200 with JSON once its example keys are this run's,
 * {@code agent run} and {@code streams run} start, work and stop cleanly, and every other command
 * ends with status 0. Needs what the agent needs (root, the initial namespaces, taskstats).
 */
@IntegrationTest
class UsersCommandsRunAsDocumentedTest {

  private static final Duration COMMAND = Duration.ofSeconds(60);
  private static final Pattern READY = Pattern.compile(
      "fleetacct is up in [0-9.]+ s: host (\\S+), Kafka at (\\S+), state in .*\\n(?:.*\\n)*?query API: (\\S+)/v1");

  /** Where cgroup v1's cpu hierarchy is mounted on Debian and most distributions (cgroupstats is v1 only). */
  private static final String CGROUP_V1 = "/sys/fs/cgroup/cpu";

  @TempDir Path dir;

  @BeforeAll
  static void canReceiveExits() throws Exception {
    KernelAssumptions.assumeExitNotifications(); // the documented agent commands listen for exits
  }

  @Test
  void everyCommandForUsersRunsAsWritten() throws Exception {
    List<Plan> ups = Repository.plans(p -> p.kind() == Kind.UP);
    assertThat(ups).as("./fleetacct up, documented, in one quick form").hasSize(1);
    Path state = Files.createDirectory(dir.resolve("up"));
    try (Shell up = Shell.start(Repository.ROOT, ups.get(0).quick().replace("{state}", state.toString()), dir)) {
      up.awaitOutput("Ctrl-C stops everything.", Duration.ofSeconds(120));
      Matcher ready = READY.matcher(up.output());
      assertThat(ready.find()).as("up's ready lines:%n%s", up.output()).isTrue();
      up.awaitOutput("start: launcher and JVM", Duration.ofSeconds(10)); // --verbose
      againstUp(new Up(ready.group(1), ready.group(2), ready.group(3)));
      assertThat(up.stop(Duration.ofSeconds(60))).contains("fleetacct stopped.");
    }
    for (Plan p : Repository.plans(p -> p.kind() == Kind.COMMAND && !p.needsUp() && !p.quick().startsWith("java "))) {
      String notHere = notHere(p.quick());
      if (notHere != null) {
        System.out.printf("not run here: %s (%s)%n", p.quick(), notHere);
        continue;
      }
      if (!p.quick().contains("agent listen")) {
        Shell.run(Repository.ROOT, fill(p.quick(), Map.of()), dir, COMMAND);
        continue;
      }
      try (Shell listen = Shell.start(Repository.ROOT, p.quick(), dir)) {
        listen.awaitOutput("listen: attribution", COMMAND);
        for (int i = 0; i < 5; i++) { // exits to print, whatever else the machine does
          new ProcessBuilder("true").start().waitFor();
        }
        String out = listen.awaitExit(COMMAND);
        assertThat(out).as(p.quick()).containsPattern("listen: [1-9][0-9]* exits received, [1-9][0-9]* printed");
        if (!p.quick().contains("--format table")) {
          assertThat(out.lines().filter(l -> l.startsWith("{\"host\":"))).as("%s: JSON lines", p.quick()).isNotEmpty();
        }
      }
    }
  }

  private record Up(String host, String bootstrap, String api) {}

  /** The queries, and the commands that need a broker or keys, against a running up. */
  private void againstUp(Up up) throws Exception {
    Map<String, String> keys = new LinkedHashMap<>(Map.of("{api}", up.api(), "{host}", up.host(),
        "{bootstrap}", up.bootstrap()));
    Http.await("up counted a cgroup and a command", Duration.ofSeconds(60),
        () -> !Http.json(up.api() + "/v1/cgroups/top?by=exits&limit=1").path("rows").path(0).isMissingNode()
            && !Http.json(up.api() + "/v1/commands/top?by=exits&limit=1").path("rows").path(0).isMissingNode());
    keys.put("{cgroup}", URLEncoder.encode(Http.answer(up.api() + "/v1/cgroups/top?by=exits&limit=1").path("rows")
        .path(0).path("key").asText(), StandardCharsets.UTF_8));
    keys.put("{command}", URLEncoder.encode(Http.answer(up.api() + "/v1/commands/top?by=exits&limit=1").path("rows")
        .path(0).path("key").asText(), StandardCharsets.UTF_8).replace("+", "%20"));
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    keys.put("{from}", now.minus(Duration.ofHours(1)).toString());
    keys.put("{to}", now.plusSeconds(60).toString());

    List<String> failed = new ArrayList<>();
    List<Plan> queries = Repository.plans(p -> p.kind() == Kind.QUERY);
    for (Plan p : queries) {
      String url = fill(p.quick(), keys);
      try {
        if (Http.answer(url).isEmpty()) {
          failed.add(url + " answered an empty body");
        }
      } catch (AssertionError notOk) { // says the status and the body
        failed.add(notOk.getMessage());
      }
    }
    assertThat(failed).as("documented queries that did not answer 200 with JSON").isEmpty();
    System.out.printf("queried: %d documented URLs answered 200 with JSON%n", queries.size());

    for (Plan p : Repository.plans(p -> p.kind() == Kind.COMMAND && p.needsUp())) {
      Shell.run(Repository.ROOT, fill(p.quick(), keys), dir, COMMAND);
    }
    for (Plan p : Repository.plans(p -> p.kind() == Kind.SERVICE)) {
      Path state = Files.createDirectories(dir.resolve("service-" + p.hashCode()));
      String command = fill(p.quick().replace("{state}", state.toString()), keys);
      try (Shell service = Shell.start(Repository.ROOT, command, dir)) {
        if (command.contains("streams run")) {
          service.awaitOutput("query API: ", Duration.ofSeconds(90));
          Matcher api = Pattern.compile("query API: (\\S+)/v1").matcher(service.output());
          assertThat(api.find()).isTrue();
          Http.await(command + " answers /v1/agents with up's host", Duration.ofSeconds(90),
              () -> Http.json(api.group(1) + "/v1/agents").toString().contains(up.host()));
        } else {
          service.awaitOutput("fleetacct agent ", Duration.ofSeconds(60));
          Thread.sleep(3_000);
        }
        String out = service.stop(Duration.ofSeconds(60));
        if (command.contains("agent run")) {
          assertThat(out).as(command).containsPattern("stopped: .*dropped 0");
        }
      }
    }
  }

  /** Why a command cannot run on this machine, or null. */
  private static String notHere(String quick) throws Exception {
    if (quick.contains("{cgroup-v1}") && !Files.exists(Path.of(CGROUP_V1, "tasks"))) {
      return "no cgroup v1 cpu hierarchy at " + CGROUP_V1 + "; cgroupstats is v1 only";
    }
    if (quick.startsWith("helm ")) {
      try {
        new ProcessBuilder(helm(), "version").start().waitFor();
      } catch (java.io.IOException e) {
        return "no helm binary: set HELM or put helm on PATH (.ci/run fetches one)";
      }
    }
    return null;
  }

  private static String helm() {
    return System.getenv().getOrDefault("HELM", "helm");
  }

  /** The command with this run's values for the docs' examples. */
  private static String fill(String quick, Map<String, String> keys) throws Exception {
    String filled = quick.replace("{pid}", String.valueOf(ProcessHandle.current().pid()))
        .replace("{cgroup-v1}", CGROUP_V1).replaceFirst("^helm ", helm() + " ");
    for (var k : keys.entrySet()) {
      filled = filled.replace(k.getKey(), k.getValue());
    }
    assertThat(filled).as("placeholders left").doesNotContain("{");
    return filled;
  }
}
