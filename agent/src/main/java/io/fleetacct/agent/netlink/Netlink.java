package io.fleetacct.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Netlink and generic netlink wire constants, and a builder for request messages. */
public final class Netlink {
  public static final int NLMSG_HDRLEN = 16;
  public static final int GENL_HDRLEN = 4;
  public static final int NLA_HDRLEN = 4;

  public static final int NLMSG_NOOP = 1;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;

  public static final int NLM_F_REQUEST = 0x1;
  public static final int NLM_F_ACK = 0x4;

  /** Attribute type bits other than the type itself (NLA_F_NESTED, NLA_F_NET_BYTEORDER). */
  public static final int NLA_TYPE_MASK = 0x3fff;

  public static final int GENL_ID_CTRL = 0x10;
  public static final int CTRL_CMD_GETFAMILY = 3;
  public static final int CTRL_ATTR_FAMILY_ID = 1;
  public static final int CTRL_ATTR_FAMILY_NAME = 2;

  private Netlink() {}

  public static int align4(int n) {
    return (n + 3) & ~3;
  }

  /** Builds one generic netlink request in a direct buffer. */
  public static final class Request {
    private final ByteBuffer buf;

    private Request(int capacity) {
      buf = NetlinkSocket.direct(capacity);
    }

    /** nlmsghdr plus genlmsghdr for {@code cmd} of family {@code type}. */
    public static Request genl(int type, int flags, int seq, int portId, int cmd, int version) {
      Request r = new Request(256 + 6 * 4096);
      r.buf.putInt(0); // length, set by build()
      r.buf.putShort((short) type);
      r.buf.putShort((short) flags);
      r.buf.putInt(seq);
      r.buf.putInt(portId);
      r.buf.put((byte) cmd);
      r.buf.put((byte) version);
      r.buf.putShort((short) 0);
      return r;
    }

    public Request attr(int type, byte[] payload) {
      buf.putShort((short) (NLA_HDRLEN + payload.length));
      buf.putShort((short) type);
      buf.put(payload);
      pad();
      return this;
    }

    public Request attrU32(int type, int value) {
      buf.putShort((short) (NLA_HDRLEN + 4));
      buf.putShort((short) type);
      buf.putInt(value);
      return this;
    }

    /** A NUL-terminated string attribute, as the kernel's NLA_STRING / NLA_NUL_STRING expect. */
    public Request attrString(int type, String value) {
      byte[] b = value.getBytes(StandardCharsets.US_ASCII);
      byte[] z = new byte[b.length + 1];
      System.arraycopy(b, 0, z, 0, b.length);
      return attr(type, z);
    }

    private void pad() {
      while ((buf.position() & 3) != 0) {
        buf.put((byte) 0);
      }
    }

    /** The finished message, ready for {@link NetlinkSocket#send}. */
    public ByteBuffer build() {
      buf.putInt(0, buf.position());
      buf.flip();
      return buf;
    }
  }
}
