package io.fleetacct.common.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The commands' exit-code policy: an expected failure (a bad value, a missing file, the kernel or
 * Kafka saying no, a {@link UserError}) becomes its message on stderr, one line per line of it,
 * and exit code 1; anything else is a bug and keeps its stack trace (exit code 1 too).
 */
public final class Failures implements CommandLine.IExecutionExceptionHandler {

  private final String prefix;
  private final List<Class<? extends Exception>> expected;

  private Failures(String prefix, List<Class<? extends Exception>> expected) {
    this.prefix = prefix;
    this.expected = expected;
  }

  /**
   * @param prefix what each line starts with, e.g. "fleetacct up"; null: the failing command's name
   * @param expected the caller's own kinds of expected failure, besides IOException,
   *     IllegalArgumentException and UserError
   */
  @SafeVarargs
  public static Failures handler(String prefix, Class<? extends Exception>... expected) {
    List<Class<? extends Exception>> kinds = new ArrayList<>(expected.length);
    for (Class<? extends Exception> kind : expected) {
      kinds.add(kind);
    }
    return new Failures(prefix, List.copyOf(kinds));
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    String who = prefix != null ? prefix : cmd.getCommandName();
    if (isExpected(e)) {
      for (String line : String.valueOf(e.getMessage()).split("\n")) {
        cmd.getErr().println(who + ": " + line);
      }
      return 1;
    }
    cmd.getErr().println(who + ": unexpected failure");
    e.printStackTrace(cmd.getErr());
    return 1;
  }

  private boolean isExpected(Exception e) {
    if (e instanceof IOException || e instanceof IllegalArgumentException || e instanceof UserError) {
      return true;
    }
    return expected.stream().anyMatch(c -> c.isInstance(e));
  }
}
