package io.fleetacct.embedded;

import java.io.IOException;
import java.io.OutputStream;

/**
 * For a child JVM started by a test or the one-host mode: exits when the parent closes our standard
 * input, or dies (even by SIGKILL, when the kernel closes the pipe), so that nothing is left
 * orphaned on the machine. The parent holds the write end open and never writes.
 */
public final class ParentWatchdog {

  private ParentWatchdog() {}

  /** Starts a daemon thread that calls {@code System.exit(0)} (shutdown hooks run) at end of input. */
  public static void start(String what) {
    Thread watchdog = new Thread(() -> {
      try {
        System.in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException e) {
        // a broken pipe: the parent is gone as well
      }
      System.err.println("fleetacct: standard input closed (parent stopping or gone), stopping " + what);
      System.exit(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
