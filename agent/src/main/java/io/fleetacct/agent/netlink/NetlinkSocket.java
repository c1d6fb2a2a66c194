package io.fleetacct.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A raw netlink socket ({@code AF_NETLINK}, {@code SOCK_RAW}) through libc. Not thread-safe: one
 * thread owns a socket. Every failing call throws a {@link NetlinkException} naming it and its errno.
 */
public final class NetlinkSocket implements AutoCloseable {

  public static final int NETLINK_CONNECTOR = 11;
  public static final int NETLINK_GENERIC = 16;

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVBUF = 8;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_RCVBUFFORCE = 33;
  private static final int MSG_DONTWAIT = 0x40;
  private static final int MSG_WAITFORONE = 0x10000;
  private static final int SOCKADDR_NL_LEN = 12;

  private final LibC libc = LibC.get();
  private final int protocol;
  private final ByteBuffer kernelAddress = sockaddr(0, 0);
  private final ByteBuffer intOpt = direct(4);
  private final ByteBuffer intOptLen = direct(4);
  private int fd;
  private int portId;

  private NetlinkSocket(int protocol, int fd) {
    this.protocol = protocol;
    this.fd = fd;
  }

  /** Opens and binds a socket; the kernel assigns the port id. {@code groups}: multicast groups. */
  public static NetlinkSocket open(int protocol, int groups) throws NetlinkException {
    LibC libc = LibC.get();
    int fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      throw new NetlinkException("socket(AF_NETLINK, SOCK_RAW, " + protocol + ")", LibC.errno());
    }
    NetlinkSocket s = new NetlinkSocket(protocol, fd);
    try {
      ByteBuffer addr = sockaddr(0, groups);
      if (libc.bind(fd, addr, SOCKADDR_NL_LEN) < 0) {
        throw new NetlinkException("bind(netlink protocol " + protocol + ")", LibC.errno());
      }
      ByteBuffer bound = direct(SOCKADDR_NL_LEN);
      ByteBuffer len = direct(4).putInt(0, SOCKADDR_NL_LEN);
      if (libc.getsockname(fd, bound, len) < 0) {
        throw new NetlinkException("getsockname", LibC.errno());
      }
      s.portId = bound.getInt(4);
      return s;
    } catch (NetlinkException e) {
      s.close();
      throw e;
    }
  }

  /** The port id the kernel bound us to: how the kernel addresses this socket. */
  public int portId() {
    return portId;
  }

  /**
   * Sets the receive buffer: {@code SO_RCVBUFFORCE} (needs CAP_NET_ADMIN, not capped by
   * net.core.rmem_max), falling back to {@code SO_RCVBUF}. Returns the size the kernel reports
   * (it doubles the request for bookkeeping).
   */
  public int setReceiveBuffer(int bytes) throws NetlinkException {
    intOpt.putInt(0, bytes);
    if (libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, intOpt, 4) < 0
        && libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intOpt, 4) < 0) {
      throw new NetlinkException("setsockopt(SO_RCVBUF, " + bytes + ")", LibC.errno());
    }
    return receiveBuffer();
  }

  public int receiveBuffer() throws NetlinkException {
    intOptLen.putInt(0, 4);
    if (libc.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, intOpt, intOptLen) < 0) {
      throw new NetlinkException("getsockopt(SO_RCVBUF)", LibC.errno());
    }
    return intOpt.getInt(0);
  }

  /** A blocking {@link #receive} returns after this long without data (signals do not wake it). */
  public void setReceiveTimeout(Duration timeout) throws NetlinkException {
    ByteBuffer tv = direct(16);
    tv.putLong(0, timeout.toSeconds());
    tv.putLong(8, timeout.toNanosPart() / 1_000);
    if (libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16) < 0) {
      throw new NetlinkException("setsockopt(SO_RCVTIMEO)", LibC.errno());
    }
  }

  /** Sends the bytes between position and limit of a direct buffer to the kernel. */
  public void send(ByteBuffer message) throws NetlinkException {
    sendTo(message, kernelAddress);
  }

  /** As {@link #send}, to another socket's port id (NETLINK_USERSOCK lets sockets talk). */
  void sendTo(ByteBuffer message, int portId) throws NetlinkException {
    sendTo(message, sockaddr(portId, 0));
  }

  private void sendTo(ByteBuffer message, ByteBuffer address) throws NetlinkException {
    long n = libc.sendto(fd, message, message.remaining(), 0, address, SOCKADDR_NL_LEN);
    if (n < 0) {
      throw new NetlinkException("sendto(netlink protocol " + protocol + ")", LibC.errno());
    }
    if (n != message.remaining()) {
      throw new NetlinkException("sendto sent " + n + " of " + message.remaining() + " bytes");
    }
  }

  /**
   * Receives one datagram into {@code buf} from position 0, setting its limit to the length
   * received. Returns the length, or -1 when nothing arrived (timeout, or none waiting with
   * {@code dontWait}). ENOBUFS and other errors throw; ENOBUFS means the kernel dropped messages
   * for this socket since the last receive.
   */
  public int receive(ByteBuffer buf, boolean dontWait) throws NetlinkException {
    buf.clear();
    while (true) {
      long n = libc.recv(fd, buf, buf.capacity(), dontWait ? MSG_DONTWAIT : 0);
      if (n >= 0) {
        buf.limit((int) n);
        return (int) n;
      }
      int errno = LibC.errno();
      if (errno == Errno.EAGAIN) {
        buf.limit(0);
        return -1;
      }
      if (errno != Errno.EINTR) {
        throw new NetlinkException("recv(netlink protocol " + protocol + ")", errno);
      }
    }
  }

  /**
   * Receives as many datagrams as are queued, up to {@code into}'s capacity, in one system call:
   * waiting for the first (up to the receive timeout) unless {@code dontWait}, never for the rest.
   * Returns how many, or -1 when none came; ENOBUFS and other errors throw as in {@link #receive}
   * (after datagrams were received, the kernel reports an error at the next call).
   */
  public int receive(Datagrams into, boolean dontWait) throws NetlinkException {
    while (true) {
      int n = libc.recvmmsg(fd, into.headers, into.capacity(), dontWait ? MSG_DONTWAIT : MSG_WAITFORONE, null);
      if (n > 0) {
        into.received(n);
        return n;
      }
      into.received(0);
      int errno = n == 0 ? Errno.EAGAIN : LibC.errno();
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      if (errno != Errno.EINTR) {
        throw new NetlinkException("recvmmsg(netlink protocol " + protocol + ")", errno);
      }
    }
  }

  @Override
  public void close() {
    if (fd >= 0) {
      libc.close(fd);
      fd = -1;
    }
  }

  /** A direct buffer in the machine's byte order (netlink is host-endian). */
  public static ByteBuffer direct(int capacity) {
    return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
  }

  private static ByteBuffer sockaddr(int pid, int groups) {
    ByteBuffer a = direct(SOCKADDR_NL_LEN);
    a.putShort(0, (short) AF_NETLINK);
    a.putInt(4, pid);
    a.putInt(8, groups);
    return a;
  }
}
