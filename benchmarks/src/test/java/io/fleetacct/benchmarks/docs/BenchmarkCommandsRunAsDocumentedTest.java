package io.fleetacct.benchmarks.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.benchmarks.docs.QuickMode.Kind;
import io.fleetacct.benchmarks.docs.QuickMode.Plan;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every benchmark command of docs/benchmarks.md (and wherever else the docs give one) runs as
 * written, from the repository root with a plain {@code java}, in its quick mode ({@link
 * QuickMode}: small sizes, one short JMH iteration) and ends with status 0, having printed its
 * result. Needs what the agent needs (root, the initial namespaces, taskstats).
 */
@IntegrationTest
class BenchmarkCommandsRunAsDocumentedTest {

  @TempDir Path dir;

  @BeforeAll
  static void canReceiveExits() throws Exception {
    KernelAssumptions.assumeExitNotifications(); // the documented agent commands listen for exits
    assumeTrue(Files.exists(Repository.ROOT.resolve("benchmarks/target/benchmarks.jar")),
        "benchmarks/target/benchmarks.jar is built by mvn package");
  }

  @Test
  void everyBenchmarkCommandRunsAsWritten() throws Exception {
    List<Plan> benchmarks = Repository.plans(p -> p.kind() == Kind.COMMAND && !p.needsUp()
        && p.quick().startsWith("java "));
    assertThat(benchmarks).as("benchmark commands in the docs").hasSizeGreaterThan(5);
    // Two lanes: quick runs mostly wait (broker starts, commit intervals), and a quick run's figures
    // mean nothing, so running beside another changes nothing that is checked. JMH allows one run
    // at a time on a machine (its lock file): those share the first lane.
    List<ExecutorService> lanes = List.of(Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor());
    try {
      List<Future<String>> runs = new ArrayList<>();
      int next = 1;
      for (Plan p : benchmarks) {
        ExecutorService lane = lanes.get(p.quick().startsWith("java -jar ") ? 0 : next++ % 2);
        runs.add(lane.submit(() -> Shell.run(Repository.ROOT, p.quick(), dir, Duration.ofSeconds(180))));
      }
      for (int i = 0; i < runs.size(); i++) {
        assertThat(runs.get(i).get()).as("%s printed no result", benchmarks.get(i).quick()).isNotBlank();
      }
    } finally {
      lanes.forEach(ExecutorService::shutdownNow);
    }
  }
}
