package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.netlink.Datagrams;
import io.fleetacct.agent.netlink.Errno;
import io.fleetacct.agent.netlink.Netlink;
import io.fleetacct.agent.netlink.NetlinkWalk;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC): FORK, EXEC and COMM
 * events as they happen, so that a process's cgroup and command can be read while it still lives.
 */
public final class ProcConnector implements AutoCloseable {

  /** recvmmsg calls per poll, so that a fork storm cannot keep the caller here. */
  private static final int MAX_RECEIVES_PER_POLL = 64;

  /** Receives events on the connector's thread. */
  public interface Events {
    /** @param timestampNanos when the kernel sent it, CLOCK_MONOTONIC (as System.nanoTime) */
    void onFork(int parentTgid, int childPid, int childTgid, long timestampNanos);

    void onExec(int pid, int tgid);

    /** A task renamed itself (prctl PR_SET_NAME) or was renamed (/proc/PID/comm). */
    void onComm(int pid, int tgid, String comm);
  }

  private static final int CN_IDX_PROC = 1;
  private static final int CN_VAL_PROC = 1;
  private static final int PROC_CN_MCAST_LISTEN = 1;
  private static final int PROC_CN_MCAST_IGNORE = 2;
  private static final int PROC_EVENT_FORK = 0x1;
  private static final int PROC_EVENT_EXEC = 0x2;
  private static final int PROC_EVENT_COMM = 0x200;
  private static final int COMM_LEN = 16;
  private static final int CN_MSG_LEN = 20;
  private static final int EVENT = Netlink.NLMSG_HDRLEN + CN_MSG_LEN; // struct proc_event
  private static final int EVENT_DATA = EVENT + 16; // after what, cpu, timestamp_ns

  private final NetlinkSocket socket;
  /** 64 events a system call; an event is one datagram of at most 96 bytes (a COMM event). */
  private final Datagrams datagrams = new Datagrams(64, 256);
  private final ByteBuffer rx = datagrams.buffer();

  private ProcConnector(NetlinkSocket socket) {
    this.socket = socket;
  }

  /**
   * Subscribes to process events; {@code bufferBytes} is the socket's receive buffer. With
   * {@code kernelFilters} (Linux 6.6 and later) only FORK, EXEC and COMM events are sent to us; older
   * kernels ignore that form of the request, so they get the plain one and send every event.
   */
  public static ProcConnector open(int bufferBytes, boolean kernelFilters) throws NetlinkException {
    NetlinkSocket s = NetlinkSocket.open(NetlinkSocket.NETLINK_CONNECTOR, CN_IDX_PROC);
    try {
      s.setReceiveBuffer(bufferBytes);
      s.setReceiveTimeout(Duration.ofMillis(200));
      ProcConnector c = new ProcConnector(s);
      c.control(PROC_CN_MCAST_LISTEN, kernelFilters ? PROC_EVENT_FORK | PROC_EVENT_EXEC | PROC_EVENT_COMM : -1);
      return c;
    } catch (NetlinkException e) {
      s.close();
      throw e;
    }
  }

  /** Whether this kernel release filters events by type (struct proc_input, Linux 6.6). */
  public static boolean kernelFilters(String release) {
    Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
    return m.find() && (Integer.parseInt(m.group(1)) > 6
        || Integer.parseInt(m.group(1)) == 6 && Integer.parseInt(m.group(2)) >= 6);
  }

  /** PROC_CN_MCAST_LISTEN or _IGNORE; with an event mask ({@code events} >= 0) as struct proc_input. */
  private void control(int op, int events) throws NetlinkException {
    int payload = events >= 0 ? 8 : 4;
    ByteBuffer m = NetlinkSocket.direct(Netlink.NLMSG_HDRLEN + CN_MSG_LEN + payload);
    m.putInt(Netlink.NLMSG_HDRLEN + CN_MSG_LEN + payload).putShort((short) Netlink.NLMSG_DONE).putShort((short) 0)
        .putInt(0).putInt(socket.portId());
    m.putInt(CN_IDX_PROC).putInt(CN_VAL_PROC).putInt(0).putInt(0).putShort((short) payload).putShort((short) 0);
    m.putInt(op);
    if (events >= 0) {
      m.putInt(events);
    }
    m.flip();
    socket.send(m);
  }

  /**
   * Receives what is queued (blocking up to the receive timeout for the first datagram, then at
   * most {@value #MAX_RECEIVES_PER_POLL} batches of 64, so that a fork storm cannot keep the caller
   * here) and hands FORK, EXEC and COMM events on. Returns the number of events, or -1 on a kernel
   * overflow (ENOBUFS: events were lost).
   */
  public int poll(Events events) throws NetlinkException {
    int count = 0;
    boolean dontWait = false;
    for (int i = 0; i < MAX_RECEIVES_PER_POLL; i++) {
      int n;
      try {
        n = socket.receive(datagrams, dontWait);
      } catch (NetlinkException e) {
        if (e.errno() == Errno.ENOBUFS) {
          return -1;
        }
        throw e;
      }
      if (n <= 0) {
        return count;
      }
      for (int d = 0; d < n; d++) {
        count += dispatch(datagrams.offset(d), datagrams.length(d), events);
      }
      if (n < datagrams.capacity()) {
        return count; // nothing more was queued
      }
      dontWait = true;
    }
    return count;
  }

  private int dispatch(int start, int n, Events events) {
    int count = 0;
    NetlinkWalk messages = NetlinkWalk.messages(rx, start, start + n);
    while (nextMessage(messages)) {
      int off = messages.offset();
      if (messages.length() >= EVENT_DATA + 16) { // FORK carries 4 u32 ids, EXEC 2
        int what = rx.getInt(off + EVENT);
        int data = off + EVENT_DATA;
        if (what == PROC_EVENT_FORK) {
          events.onFork(rx.getInt(data + 4), rx.getInt(data + 8), rx.getInt(data + 12), rx.getLong(off + EVENT + 8));
          count++;
        } else if (what == PROC_EVENT_EXEC) {
          events.onExec(rx.getInt(data), rx.getInt(data + 4));
          count++;
        } else if (what == PROC_EVENT_COMM && messages.length() >= EVENT_DATA + 8 + COMM_LEN) {
          events.onComm(rx.getInt(data), rx.getInt(data + 4), comm(data + 8));
          count++;
        }
      }
    }
    return count;
  }

  /** The comm at {@code offset}; "" for an empty one. */
  private String comm(int offset) {
    byte[] b = new byte[COMM_LEN];
    rx.get(offset, b);
    String name = Command.name(b);
    return name == null ? "" : name;
  }

  /** A malformed datagram ends its reading; the events before it count. */
  private static boolean nextMessage(NetlinkWalk messages) {
    try {
      return messages.next();
    } catch (NetlinkWalk.Malformed e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      control(PROC_CN_MCAST_IGNORE, -1);
    } catch (NetlinkException e) {
      // closing anyway; the kernel drops our membership with the socket
    }
    socket.close();
  }
}
