package io.fleetacct.embedded;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point of the broker's child JVM: runs {@code kafka.Kafka} until its parent closes our
 * standard input, or dies.
 *
 * <p>The parent holds the write end of our standard input open for as long as it wants the broker;
 * end of file means stop (a deliberate stop, or the parent is gone, even after a SIGKILL), and we
 * exit so that no broker is left orphaned on the machine. Kafka's own shutdown hook then stops the
 * broker cleanly. SIGINT and SIGTERM are ignored: Ctrl-C in a terminal (or {@code timeout}) signals
 * the whole process group, and the broker must outlive its parent's clients, which the parent
 * stops first.
 */
public final class BrokerMain {

  private BrokerMain() {}

  public static void main(String[] args) throws Exception {
    Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
    Signal.handle(new Signal("TERM"), SignalHandler.SIG_IGN);
    ParentWatchdog.start("the embedded broker");
    kafka.Kafka.main(args);
  }
}
