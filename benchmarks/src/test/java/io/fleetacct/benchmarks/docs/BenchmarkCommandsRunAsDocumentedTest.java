package io.fleetacct.benchmarks.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.benchmarks.docs.QuickMode.Kind;
import io.fleetacct.benchmarks.docs.QuickMode.Plan;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every benchmark command of docs/benchmarks.md (and wherever else the docs give one) runs as
 * written, from the repository root with a plain {@code java}, in its quick mode ({@link
 * QuickMode}: small sizes, one short JMH iteration) and ends with status 0, having printed its
 * result. Needs root (the agent's benchmarks are documented for root).
 */
@IntegrationTest
class BenchmarkCommandsRunAsDocumentedTest {

  @TempDir Path dir;

  @BeforeAll
  static void asRoot() throws Exception {
    assumeTrue(Repository.root(), "the benchmark commands are run as root (the agent's need CAP_NET_ADMIN)");
    assumeTrue(Files.exists(Repository.ROOT.resolve("benchmarks/target/benchmarks.jar")),
        "benchmarks/target/benchmarks.jar is built by mvn package");
  }

  @Test
  void everyBenchmarkCommandRunsAsWritten() throws Exception {
    List<Plan> benchmarks = Repository.plans(p -> p.kind() == Kind.COMMAND && !p.needsUp()
        && p.quick().startsWith("java "));
    assertThat(benchmarks).as("benchmark commands in the docs").hasSizeGreaterThan(5);
    for (Plan p : benchmarks) {
      String out = Shell.run(Repository.ROOT, p.quick(), dir, Duration.ofSeconds(180));
      assertThat(out).as("%s printed no result", p.quick()).isNotBlank();
    }
  }
}
