package io.fleetacct.agent.taskstats;

/**
 * A netlink message that is not a well-formed taskstats exit notification. Carries a counted
 * {@link Reason}; has no stack trace, so that hostile input costs little.
 */
public final class MalformedMessageException extends Exception {

  /** Why a message was refused; each is a counter. */
  public enum Reason {
    TRUNCATED_HEADER("shorter than its netlink and generic netlink headers"),
    BAD_MESSAGE_LENGTH("nlmsg_len disagrees with the bytes received"),
    NOT_AN_EXIT("not a TASKSTATS_CMD_NEW message of the taskstats family"),
    BAD_ATTRIBUTE_LENGTH("an attribute length is below 4 or runs past its container"),
    MISSING_PID_RECORD("no AGGR_PID nest with a PID and STATS"),
    TRUNCATED_STATS("a STATS attribute is shorter than its struct version requires"),
    UNSUPPORTED_VERSION("struct version 0 in a thread record, or 15 (an ABI break, refused)");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  private final Reason reason;

  public MalformedMessageException(Reason reason, String detail) {
    super(reason.name() + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
