package io.fleetacct.standalone.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP proxy on 127.0.0.1 in front of one port, that a test can cut: its clients then reach
 * nothing, as if their packets were dropped (connections open meanwhile hang and are closed at the
 * cut's end, so the clients connect afresh), while the process behind it and its other clients go
 * on. For a Kafka client, put it in front of a broker's extra listener whose advertised port it is.
 */
public final class CutOffProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int target;
  private final List<Socket> open = new ArrayList<>(); // guarded by this
  private boolean cut; // guarded by this
  private final Thread acceptor;

  private CutOffProxy(ServerSocket server, int target) {
    this.server = server;
    this.target = target;
    this.acceptor = new Thread(this::accept, "cut-off-proxy");
    this.acceptor.setDaemon(true);
  }

  /** Listens on {@code port} and forwards to {@code target}, both on 127.0.0.1. */
  public static CutOffProxy start(int port, int target) throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    CutOffProxy p = new CutOffProxy(server, target);
    p.acceptor.start();
    return p;
  }

  /** From now on nothing passes: open connections hang, new ones are held without an answer. */
  public synchronized void cut() {
    cut = true;
  }

  /** Lets traffic through again: what hung during the cut is closed, new connections go through. */
  public synchronized void restore() {
    cut = false;
    closeAll();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        synchronized (this) {
          open.add(client);
          if (cut) {
            continue; // held: the client waits for an answer that does not come
          }
        }
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        synchronized (this) {
          open.add(upstream);
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        // closed, or the target refused: the client sees its connection end
      }
    }
  }

  /** Copies one direction until either side ends; stalls (holding the bytes) while cut. */
  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          while (isCut() && !from.isClosed()) {
            Thread.sleep(20);
          }
          out.write(buf, 0, n);
        }
      } catch (IOException | InterruptedException e) {
        // either side closed
      } finally {
        close(from);
        close(to);
      }
    }, "cut-off-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private synchronized boolean isCut() {
    return cut;
  }

  private void closeAll() {
    open.forEach(CutOffProxy::close);
    open.clear();
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (this) {
      closeAll();
    }
  }
}
