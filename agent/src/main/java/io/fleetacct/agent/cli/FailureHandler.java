package io.fleetacct.agent.cli;

import io.fleetacct.agent.netlink.NetlinkException;
import java.io.IOException;
import picocli.CommandLine;

/**
 * Expected failures (the kernel said no, a file is missing, a bad value) become one line on stderr
 * and exit code 1, not a stack trace; anything else keeps its trace.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (e instanceof NetlinkException || e instanceof IOException || e instanceof IllegalArgumentException
        || e instanceof UserError) {
      cmd.getErr().println(cmd.getCommandName() + ": " + e.getMessage());
      return 1;
    }
    cmd.getErr().println(cmd.getCommandName() + ": unexpected failure");
    e.printStackTrace(cmd.getErr());
    return 1;
  }

  /** A failure whose message already says what to do. */
  static final class UserError extends Exception {
    UserError(String message) {
      super(message);
    }
  }
}
