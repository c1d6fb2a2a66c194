package io.fleetacct.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free TCP ports on 127.0.0.1, for the servers that tests and the embedded broker start. */
public final class LoopbackPorts {

  private LoopbackPorts() {}

  /**
   * A port that was free on 127.0.0.1 a moment ago. Another process may take it before the caller
   * binds it: whoever starts a server on it must cope with "address in use".
   */
  public static int free() {
    return free(1)[0];
  }

  /**
   * {@code count} distinct ports that were free a moment ago: each held open until all are found,
   * since two calls of {@link #free()} can return the same port.
   */
  public static int[] free(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        s.setReuseAddress(true);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find " + count + " free ports on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          // closing a listening socket that never accepted: nothing to lose
        }
      }
    }
  }
}
