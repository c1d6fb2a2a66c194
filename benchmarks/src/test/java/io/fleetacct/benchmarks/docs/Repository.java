package io.fleetacct.benchmarks.docs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** The repository these tests read the docs of and run the commands in. */
final class Repository {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private Repository() {}

  /**
   * The documented commands, each with its plan, that {@code runs} selects. Commands written the
   * same way in several places run once.
   */
  static List<QuickMode.Plan> plans(java.util.function.Predicate<QuickMode.Plan> runs) throws IOException {
    return DocumentedCommands.in(ROOT).stream().map(c -> QuickMode.of(c.text()))
        .filter(p -> p != null && p.runs() && runs.test(p)).distinct().collect(Collectors.toList());
  }
}
