package io.fleetacct.standalone.log;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.nio.file.Path;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/** Sends the log of {@code up} to a file under its state directory; the terminal keeps what {@link TerminalFilter} lets through. */
public final class LogFile {

  /** The log's name in the state directory. */
  public static final String NAME = "fleetacct.log";

  private LogFile() {}

  /**
   * Reconfigures logging to append to {@code stateDir}/{@value #NAME}; returns that path. Where the
   * logging back end is not logback (an embedding application's own), it changes nothing.
   */
  public static Path use(Path stateDir) {
    Path file = stateDir.resolve(NAME);
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      return file;
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    context.reset();
    context.putProperty("FLEETACCT_LOG_FILE", file.toString());
    try {
      configurator.doConfigure(LogFile.class.getResource("up-logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("cannot set up the log file " + file + ": " + e.getMessage(), e);
    }
    return file;
  }
}
