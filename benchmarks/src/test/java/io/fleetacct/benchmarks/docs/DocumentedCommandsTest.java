package io.fleetacct.benchmarks.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.benchmarks.docs.DocumentedCommands.Command;
import io.fleetacct.benchmarks.docs.QuickMode.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DocumentedCommandsTest {

  private static final Path ROOT = Repository.ROOT;

  @Test
  void fencedLinesAndInlineSpansAreCommandsWithoutCommentsAndWithContinuationsJoined() {
    String md = """
        Run `./fleetacct up` first, then
        ```
        ./fleetacct agent check      # can this host receive exits?
        helm install x ./chart \\
          --set a=b
        not a command
        ```
        and `java -cp a.jar
        Main 10` (a span that breaks), `ls -l` is not ours.
        """;
    assertThat(DocumentedCommands.of("x.md", md)).containsExactly(
        new Command("x.md:1", "./fleetacct up"),
        new Command("x.md:3", "./fleetacct agent check"),
        new Command("x.md:4", "helm install x ./chart --set a=b"),
        new Command("x.md:8", "java -cp a.jar Main 10"));
  }

  @Test
  void everyDocumentedCommandHasAPlan() throws IOException {
    List<Command> commands = DocumentedCommands.in(ROOT);
    assertThat(commands).as("commands found in README.md and docs/").hasSizeGreaterThan(40);
    assertThat(commands.stream().filter(c -> QuickMode.of(c.text()) == null))
        .as("documented commands that no QuickMode rule runs or excuses").isEmpty();
  }

  @Test
  void theUsersCommandsAllRun() throws IOException {
    // Only the build, the suite, before/after runs and prose fragments are excused.
    assertThat(DocumentedCommands.in(ROOT).stream().map(c -> QuickMode.of(c.text()))
        .filter(p -> p != null && !p.runs())
        .map(QuickMode.Plan::reason).distinct()).allMatch(r -> r.startsWith("part of a command")
        || r.startsWith("one test of the suite") || r.startsWith("the build or the test suite")
        || r.startsWith("a before/after run"));
  }

  @Test
  void aSuiteTestThatTheDocsNameExists() throws IOException {
    Pattern it = Pattern.compile("-Dit\\.test=(\\w+)");
    for (Command c : DocumentedCommands.in(ROOT)) {
      Matcher m = it.matcher(c.text());
      if (m.find() && !m.group(1).equals("NAME")) {
        try (Stream<Path> files = Files.walk(ROOT, 12)) {
          assertThat(files.filter(p -> p.toString().contains("/src/test/java/")
              && p.getFileName().toString().equals(m.group(1) + ".java"))).as("the test %s names", c).isNotEmpty();
        }
      }
    }
  }

  @Test
  void quickModeShrinksSizesAndKeepsTheCommandsOwnOptions() {
    assertThat(QuickMode.of("java -Dbench.threads=true -cp benchmarks/target/benchmarks.jar"
        + " io.fleetacct.benchmarks.AgentCpuBenchmark 30").quick()).isEqualTo("java -Dbench.threads=true"
        + " -Dbench.settle=1 -Dbench.baseline=1 -Dbench.startup=3 -cp benchmarks/target/benchmarks.jar"
        + " io.fleetacct.benchmarks.AgentCpuBenchmark 1");
    assertThat(QuickMode.of("curl 'http://127.0.0.1:8080/v1/hosts/web-1/series?from=2026-11-25T10:00:00Z"
        + "&to=2026-11-25T11:00:00Z'")).isEqualTo(QuickMode.Plan.run(Kind.QUERY,
        "{api}/v1/hosts/{host}/series?from={from}&to={to}"));
    assertThat(QuickMode.of("./fleetacct agent listen --format table").quick())
        .isEqualTo("./fleetacct agent listen --format table --duration 3");
    assertThat(QuickMode.of("java -Xmx1g ... StreamsBenchmark 1000000").runs()).isFalse();
    assertThat(QuickMode.of("java -Xmx1g -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.StreamsBenchmark"
        + " 1000000")).isEqualTo(QuickMode.of("java -cp benchmarks/target/benchmarks.jar"
        + " io.fleetacct.benchmarks.StreamsBenchmark 1000000"));
    assertThat(QuickMode.of("java -jar benchmarks/target/benchmarks.jar SketchMergeBenchmark -f 1 -i 3").quick())
        .isEqualTo("java -jar benchmarks/target/benchmarks.jar SketchMergeBenchmark -f 1 -wi 0 -i 1 -r 200ms");
    assertThat(QuickMode.of("./fleetacct agent frobnicate")).isNull();
  }
}
