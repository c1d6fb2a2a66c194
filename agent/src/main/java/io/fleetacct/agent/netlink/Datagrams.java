package io.fleetacct.agent.netlink;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;

/**
 * What one {@code recvmmsg(2)} received: up to {@link #capacity()} datagrams of at most {@code
 * slotBytes} each, in slots of one direct buffer, with the {@code struct mmsghdr} vector that tells
 * the kernel where they go (64-bit layout: struct msghdr of 56 bytes, then msg_len, padded to 64).
 * Built once per socket and reused: receiving allocates nothing. A datagram longer than its slot
 * is cut ({@link #truncated}); its own nlmsg_len then exceeds {@link #length}, which readers refuse.
 */
public final class Datagrams {

  private static final int MMSGHDR = 64;
  private static final int IOVEC = 16;
  private static final int MSG_IOV = 16;
  private static final int MSG_IOVLEN = 24;
  private static final int MSG_FLAGS = 48;
  private static final int MSG_LEN = 56;
  private static final int MSG_TRUNC = 0x20;

  private final int slotBytes;
  private final int capacity;
  private final ByteBuffer data;
  final ByteBuffer headers;
  private int count;

  /** Room for {@code capacity} datagrams of up to {@code slotBytes} bytes each. */
  public Datagrams(int capacity, int slotBytes) {
    this.capacity = capacity;
    this.slotBytes = slotBytes;
    this.data = NetlinkSocket.direct(capacity * slotBytes);
    this.headers = NetlinkSocket.direct(capacity * (MMSGHDR + IOVEC));
    long dataAddress = address(data);
    long iovecs = address(headers) + (long) capacity * MMSGHDR;
    for (int i = 0; i < capacity; i++) {
      int iov = capacity * MMSGHDR + i * IOVEC;
      headers.putLong(iov, dataAddress + (long) i * slotBytes);
      headers.putLong(iov + 8, slotBytes);
      headers.putLong(i * MMSGHDR + MSG_IOV, iovecs + (long) i * IOVEC);
      headers.putLong(i * MMSGHDR + MSG_IOVLEN, 1);
    }
  }

  private static long address(ByteBuffer direct) {
    return Pointer.wrap(LibC.runtime(), direct).address();
  }

  /** The buffer all slots are in, in host byte order. */
  public ByteBuffer buffer() {
    return data;
  }

  public int capacity() {
    return capacity;
  }

  /** Datagrams the last receive took. */
  public int count() {
    return count;
  }

  void received(int n) {
    count = n;
  }

  /** Where datagram {@code i} starts in {@link #buffer()}. */
  public int offset(int i) {
    return i * slotBytes;
  }

  /** Its length as received (at most the slot). */
  public int length(int i) {
    return Math.min(headers.getInt(i * MMSGHDR + MSG_LEN), slotBytes);
  }

  /** Whether it was longer than its slot and cut. */
  public boolean truncated(int i) {
    return (headers.getInt(i * MMSGHDR + MSG_FLAGS) & MSG_TRUNC) != 0;
  }
}
