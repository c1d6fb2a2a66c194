package io.fleetacct.agent.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The agent's logging, set up in code (logback finds it through the service loader): everything
 * to stderr (stdout carries data: listen's JSON lines), Kafka's client from WARN, its
 * reconnect-per-attempt lines from ERROR (the publisher says it once), the root level from
 * {@code FLEETACCT_LOG_LEVEL} (default INFO). Configuring from XML loaded ~390 more classes (logback's
 * Joran and the JDK's XML parser) for four settings: 2 MiB of every node's memory.
 *
 * <p>A logging file wins: {@code -Dlogback.configurationFile}, or a {@code logback.xml} or {@code
 * logback-test.xml} on the class path (processes that run the agent inside another: {@code up}, tests).
 */
public final class AgentLogging extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = AgentLogging.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback.xml") != null
        || loader.getResource("logback-test.xml") != null) {
      return ExecutionStatus.NEUTRAL;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
    err.setContext(context);
    err.setName("ERR");
    err.setTarget("System.err");
    err.setEncoder(encoder);
    err.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("FLEETACCT_LOG_LEVEL"), Level.INFO));
    root.addAppender(err);
    context.getLogger("org.apache.kafka").setLevel(Level.WARN);
    context.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
