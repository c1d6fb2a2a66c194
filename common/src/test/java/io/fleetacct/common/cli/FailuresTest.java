package io.fleetacct.common.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.junit.jupiter.api.Test;

class FailuresTest {

  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  @Command(name = "demo", versionProvider = Version.class, mixinStandardHelpOptions = true)
  static final class Demo implements Callable<Integer> {
    @Option(names = "--fail")
    String fail = "";

    @Override
    public Integer call() throws Exception {
      switch (fail) {
        case "user" -> throw new UserError("no such cgroup: /x\ngive a cgroup v1 directory");
        case "refused" -> throw new Refused("the broker said no");
        case "bug" -> throw new IllegalStateException("a bug");
        default -> {
          return 0;
        }
      }
    }
  }

  private static String[] run(String prefix, String... args) {
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    int code = new CommandLine(new Demo()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .setExecutionExceptionHandler(Failures.handler(prefix, Refused.class)).execute(args);
    return new String[] {String.valueOf(code), err.toString(), out.toString()};
  }

  @Test
  void anExpectedFailureIsItsMessageLineByLineAndExitCode1() {
    String[] r = run("fleetacct up", "--fail", "user");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).isEqualTo(String.format("fleetacct up: no such cgroup: /x%nfleetacct up: give a cgroup v1 directory%n"));
  }

  @Test
  void theCallersOwnKindsAreExpectedToo() {
    String[] r = run(null, "--fail", "refused");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).isEqualTo(String.format("demo: the broker said no%n"));
  }

  @Test
  void anythingElseKeepsItsStackTrace() {
    String[] r = run(null, "--fail", "bug");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).startsWith(String.format("demo: unexpected failure%njava.lang.IllegalStateException: a bug"))
        .contains("at io.fleetacct.common.cli.FailuresTest$Demo.call");
  }

  @Test
  void versionNamesTheCommandAndDevOutsideAJar() {
    String[] r = run(null, "--version");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[2].trim()).isEqualTo("demo dev");
  }
}
