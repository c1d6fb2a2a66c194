package io.fleetacct.standalone.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * What of the log the terminal shows while {@code up} runs: fleetacct's own warnings and errors,
 * and errors of any library. The rest (every library warning, all INFO) is in the log file only.
 */
public final class TerminalFilter extends Filter<ILoggingEvent> {

  private static final String OURS = "io.fleetacct.";

  @Override
  public FilterReply decide(ILoggingEvent event) {
    Level level = event.getLevel();
    boolean ours = event.getLoggerName().startsWith(OURS);
    return level.isGreaterOrEqual(Level.ERROR) || (ours && level.isGreaterOrEqual(Level.WARN))
        ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
