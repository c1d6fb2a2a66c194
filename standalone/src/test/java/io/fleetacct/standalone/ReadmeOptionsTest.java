package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cli.AgentCli;
import io.fleetacct.standalone.cli.UpCommand;
import io.fleetacct.streams.cli.StreamsCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README documents every option the command lines take: each long option of every command
 * and subcommand (from picocli's own model, so a renamed or added option without a README line
 * fails here).
 */
class ReadmeOptionsTest {

  /** Picocli's standard options, documented once for all commands. */
  private static final Set<String> STANDARD = Set.of("--help", "--version");

  @ParameterizedTest
  @ValueSource(strings = {"agent", "streams", "up"})
  void everyOptionOfTheCommandLineIsInTheReadme(String cli) throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    CommandLine root = switch (cli) {
      case "agent" -> new CommandLine(new AgentCli());
      case "streams" -> new CommandLine(new StreamsCli());
      default -> new CommandLine(new UpCommand());
    };
    List<String> missing = new ArrayList<>();
    collect(root.getCommandSpec(), readme, missing);
    assertThat(missing).as("options of %s missing from README.md", cli).isEmpty();
  }

  private static void collect(CommandSpec spec, String readme, List<String> missing) {
    for (OptionSpec o : spec.options()) {
      String name = o.longestName();
      if (!STANDARD.contains(name) && !readme.contains("`" + name) && !readme.contains(" " + name + " ")) {
        missing.add(spec.qualifiedName() + " " + name);
      }
    }
    for (CommandLine sub : spec.subcommands().values()) {
      collect(sub.getCommandSpec(), readme, missing);
    }
  }
}
