package io.fleetacct.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Free TCP ports on 127.0.0.1, for the servers that tests and the embedded broker start. */
public final class LoopbackPorts {

  /** Ports this JVM has handed out: the kernel may offer a port again as soon as it is closed. */
  private static final Set<Integer> GIVEN = new HashSet<>();

  /** Bound on the sockets one port may cost, so that an exhausted range fails instead of looping. */
  private static final int ATTEMPTS_PER_PORT = 256;

  private LoopbackPorts() {}

  /**
   * A port that was free on 127.0.0.1 a moment ago and that this JVM has not handed out before (two
   * servers started at once in one JVM were once given one port). Another process may take it
   * before the caller binds it: whoever starts a server on it must cope with "address in use".
   */
  public static int free() {
    return free(1)[0];
  }

  /** {@code count} distinct ports, each as {@link #free()} gives one. */
  public static synchronized int[] free(int count) {
    // Every socket stays open until all ports are found, so that the kernel offers a new one each time.
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ports[i] = unused(held);
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

  private static int unused(List<ServerSocket> held) throws IOException {
    for (int attempt = 0; attempt < ATTEMPTS_PER_PORT; attempt++) {
      ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      held.add(s);
      s.setReuseAddress(true);
      if (GIVEN.add(s.getLocalPort())) {
        return s.getLocalPort();
      }
    }
    throw new IOException("every port offered in " + ATTEMPTS_PER_PORT + " tries was handed out before");
  }
}
