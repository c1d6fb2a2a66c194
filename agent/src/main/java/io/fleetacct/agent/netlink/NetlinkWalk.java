package io.fleetacct.agent.netlink;

import java.nio.ByteBuffer;

/**
 * The one way fleetacct walks netlink data: a cursor over the messages of a datagram (struct
 * nlmsghdr, u32 nlmsg_len) or over the attributes of a message or nest (struct nlattr, u16
 * nla_len, u16 nla_type), each padded to 4 bytes. Every reader (the exit decoder, the taskstats and
 * family queries, cgroupstats, the proc connector, the receive loops) refuses a length below the
 * header or past the end the same way, with {@link Malformed}; trailing bytes too short for a
 * header end the walk. Positions are absolute offsets into the buffer.
 */
public final class NetlinkWalk {

  /** A length that cannot be: below the header, or past the end. */
  public static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false); // the hot path's refusals need no stack trace
    }
  }

  private ByteBuffer b;
  private boolean messages;
  private int end;
  private int next;
  private int at = -1;
  private int length;

  private NetlinkWalk(ByteBuffer b, boolean messages, int start, int end) {
    this.b = b;
    this.messages = messages;
    this.next = start;
    this.end = end;
  }

  /** The messages in {@code [start, end)}, e.g. one received datagram. */
  public static NetlinkWalk messages(ByteBuffer b, int start, int end) {
    return new NetlinkWalk(b, true, start, end);
  }

  /** The attributes in {@code [start, end)}: a message's after its headers, or a nest's payload. */
  public static NetlinkWalk attributes(ByteBuffer b, int start, int end) {
    return new NetlinkWalk(b, false, start, end);
  }

  /** A cursor to point with {@link #messagesOf} or {@link #attributesOf}: hot paths keep one. */
  public static NetlinkWalk reusable() {
    return new NetlinkWalk(null, true, 0, 0);
  }

  /** This cursor, now over the messages in {@code [start, end)}. */
  public NetlinkWalk messagesOf(ByteBuffer b, int start, int end) {
    return over(b, true, start, end);
  }

  /** This cursor, now over the attributes in {@code [start, end)}. */
  public NetlinkWalk attributesOf(ByteBuffer b, int start, int end) {
    return over(b, false, start, end);
  }

  private NetlinkWalk over(ByteBuffer b, boolean messages, int start, int end) {
    this.b = b;
    this.messages = messages;
    this.next = start;
    this.end = end;
    this.at = -1;
    return this;
  }

  /** Moves to the next message or attribute; false when no whole header is left. */
  public boolean next() throws Malformed {
    int header = messages ? Netlink.NLMSG_HDRLEN : Netlink.NLA_HDRLEN;
    if (next + header > end) {
      return false;
    }
    int len = messages ? b.getInt(next) : b.getShort(next) & 0xffff;
    if (len < header || len > end - next) {
      throw new Malformed((messages ? "nlmsg_len " + Integer.toUnsignedString(len) : "nla_len " + len) + " with "
          + (end - next) + " bytes left");
    }
    at = next;
    length = len;
    next += Netlink.align4(len);
    return true;
  }

  /** Where the current message or attribute starts (its header). */
  public int offset() {
    return at;
  }

  /** Its length, header included. */
  public int length() {
    return length;
  }

  /** nlmsg_type of the current message, or nla_type of the current attribute without its flags. */
  public int type() {
    return messages ? b.getShort(at + 4) & 0xffff : b.getShort(at + 2) & Netlink.NLA_TYPE_MASK;
  }

  /** Where the current attribute's payload starts. */
  public int payload() {
    return at + Netlink.NLA_HDRLEN;
  }

  /** The current attribute's payload length. */
  public int payloadLength() {
    return length - Netlink.NLA_HDRLEN;
  }

  /** Where the current message or attribute ends (before padding). */
  public int end() {
    return at + length;
  }
}
