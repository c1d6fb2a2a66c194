package io.fleetacct.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Real taskstats exit notifications, each one whole netlink message as recv() returned it on
 * Linux 6.18 (struct version 16), with what an independent decoder read from it (captures/README.md).
 */
public final class Captures {

  /** {@code sleep 0.05}: single-threaded, AGROUP. */
  public static final String SINGLE_THREADED = "01-single-threaded-sleep";
  /** The leader of a 4-thread python3, with the thread-group aggregate. */
  public static final String MULTITHREADED_WITH_TGID = "02-multithreaded-python3-with-tgid-aggr";
  /** dd with direct I/O, delay accounting on. */
  public static final String DD_DELAYACCT = "03-dd-direct-io-delayacct-on";

  private Captures() {}

  /** The message's bytes. */
  public static byte[] message(String name) {
    return read(name + ".bin");
  }

  /** The independent decoder's reading of the message, as JSON. */
  public static String expectedJson(String name) {
    return new String(read(name + ".expected.json"), StandardCharsets.UTF_8);
  }

  private static byte[] read(String file) {
    try (InputStream in = Captures.class.getResourceAsStream("captures/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no capture " + file);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
