package io.fleetacct.common.cli;

/** A failure whose message already says what to do: printed as it is, without a stack trace. */
public class UserError extends Exception {

  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
