package io.fleetacct.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Request and acknowledgement over a generic netlink socket. Each request asks for an ACK and its
 * outcome is checked: a negative ACK throws with the kernel's errno.
 */
public final class GenericNetlink {

  private static final long REPLY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Receives messages on the request's socket that are not its replies (exit notifications). */
  @FunctionalInterface
  public interface UnsolicitedHandler {
    void onMessage(ByteBuffer message);
  }

  private final NetlinkSocket socket;
  private final ByteBuffer rx;
  private int seq = 1;

  /** {@code rx}: the socket's receive buffer, shared with whoever else reads this socket. */
  public GenericNetlink(NetlinkSocket socket, ByteBuffer rx) {
    this.socket = socket;
    this.rx = rx;
  }

  public int nextSeq() {
    return seq++;
  }

  /**
   * Sends a request built with {@code seq} from {@link #nextSeq()} and returns copies of the data
   * replies (heap buffers in host order, whole messages with their headers) once the ACK arrives.
   * Other messages that arrive meanwhile go to {@code unsolicited}.
   */
  public List<ByteBuffer> request(ByteBuffer request, String what, UnsolicitedHandler unsolicited)
      throws NetlinkException {
    int requestSeq = request.getInt(8);
    socket.send(request);
    List<ByteBuffer> replies = new ArrayList<>();
    long deadline = System.nanoTime() + REPLY_TIMEOUT_NANOS;
    while (true) {
      if (System.nanoTime() > deadline) {
        throw new NetlinkException(what + ": no acknowledgement from the kernel within 5 s");
      }
      if (socket.receive(rx, false) < 0) {
        continue; // receive timeout; check the deadline
      }
      NetlinkWalk messages = NetlinkWalk.messages(rx, 0, rx.limit());
      while (nextMessage(messages, what)) {
        int off = messages.offset();
        int len = messages.length();
        int type = messages.type();
        int msgSeq = rx.getInt(off + 8);
        if (msgSeq != requestSeq || type == Netlink.NLMSG_NOOP) {
          if (unsolicited != null) {
            unsolicited.onMessage(rx.slice(off, len).order(ByteOrder.nativeOrder()));
          }
        } else if (type == Netlink.NLMSG_ERROR) {
          if (len < Netlink.NLMSG_HDRLEN + 4) {
            throw new NetlinkException(what + ": truncated acknowledgement");
          }
          int error = rx.getInt(off + Netlink.NLMSG_HDRLEN);
          if (error != 0) {
            throw new NetlinkException(what, -error);
          }
          return replies;
        } else if (type == Netlink.NLMSG_DONE) {
          return replies;
        } else {
          replies.add(copy(rx, off, len));
        }
      }
    }
  }

  private static boolean nextMessage(NetlinkWalk messages, String what) throws NetlinkException {
    try {
      return messages.next();
    } catch (NetlinkWalk.Malformed e) {
      throw new NetlinkException(what + ": malformed reply (" + e.getMessage() + ")");
    }
  }

  /** Resolves a generic netlink family name (e.g. "TASKSTATS") to its id with CTRL_CMD_GETFAMILY. */
  public int resolveFamily(String name) throws NetlinkException {
    ByteBuffer req = Netlink.Request.genl(Netlink.GENL_ID_CTRL, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK,
        nextSeq(), socket.portId(), Netlink.CTRL_CMD_GETFAMILY, 1)
        .attrString(Netlink.CTRL_ATTR_FAMILY_NAME, name)
        .build();
    List<ByteBuffer> replies;
    try {
      replies = request(req, "CTRL_CMD_GETFAMILY " + name, null);
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT) {
        throw new NetlinkException("generic netlink family " + name + " not found: the kernel lacks it"
            + " (for TASKSTATS: CONFIG_TASKSTATS)");
      }
      throw e;
    }
    for (ByteBuffer reply : replies) {
      NetlinkWalk a = NetlinkWalk.attributes(reply, Netlink.NLMSG_HDRLEN + Netlink.GENL_HDRLEN, reply.limit());
      try {
        while (a.next()) {
          if (a.type() == Netlink.CTRL_ATTR_FAMILY_ID && a.payloadLength() >= 2) {
            return reply.getShort(a.payload()) & 0xffff;
          }
        }
      } catch (NetlinkWalk.Malformed e) {
        throw new NetlinkException("CTRL_CMD_GETFAMILY " + name + ": malformed reply: " + e.getMessage());
      }
    }
    throw new NetlinkException("CTRL_CMD_GETFAMILY " + name + ": reply without a family id");
  }

  private static ByteBuffer copy(ByteBuffer src, int off, int len) {
    ByteBuffer c = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
    c.put(0, src, off, len);
    return c;
  }
}
