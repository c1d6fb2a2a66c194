package io.fleetacct.embedded;

import java.io.IOException;
import java.io.InputStream;
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
    Thread watchdog = new Thread(BrokerMain::exitWhenParentDies, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    kafka.Kafka.main(args);
  }

  private static void exitWhenParentDies() {
    InputStream in = System.in;
    byte[] buf = new byte[64];
    try {
      while (in.read(buf) >= 0) {
        // The parent never writes; anything read is ignored.
      }
    } catch (IOException e) {
      // Treat a broken pipe like end of file.
    }
    System.err.println("fleetacct: standard input closed (parent stopping or gone), stopping the embedded broker");
    System.exit(0);
  }
}
