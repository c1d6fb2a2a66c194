package io.fleetacct.embedded;

import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of the broker's child JVM: runs {@code kafka.Kafka} and exits when its parent dies.
 *
 * <p>The parent holds the write end of our standard input open for as long as it lives; end of
 * file means the parent is gone (even after a SIGKILL), and we exit so that no broker is left
 * orphaned on the machine. Kafka's own shutdown hook then stops the broker cleanly.
 */
public final class BrokerMain {

  private BrokerMain() {}

  public static void main(String[] args) throws Exception {
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
    System.err.println("fleetacct: parent process gone, stopping the embedded broker");
    System.exit(0);
  }
}
