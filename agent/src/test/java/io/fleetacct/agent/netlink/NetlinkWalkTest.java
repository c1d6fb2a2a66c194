package io.fleetacct.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkWalkTest {

  private static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
  }

  /** An nlattr at {@code at}: length, type (with the NESTED flag set on odd types), then zeros. */
  private static int attribute(ByteBuffer b, int at, int type, int payload) {
    b.putShort(at, (short) (Netlink.NLA_HDRLEN + payload));
    b.putShort(at + 2, (short) (type | (type % 2 == 1 ? 0x8000 : 0)));
    return at + Netlink.align4(Netlink.NLA_HDRLEN + payload);
  }

  @Test
  void attributesAreWalkedWithTheirPaddingAndWithoutTheirFlags() throws Exception {
    ByteBuffer b = buffer(64);
    int end = attribute(b, attribute(b, attribute(b, 0, 1, 5), 2, 8), 3, 0);
    List<String> seen = new ArrayList<>();
    NetlinkWalk a = NetlinkWalk.attributes(b, 0, end + 3); // three trailing bytes: too short for a header
    while (a.next()) {
      seen.add(a.type() + "@" + a.payload() + "+" + a.payloadLength());
    }
    assertThat(seen).containsExactly("1@4+5", "2@16+8", "3@28+0");
  }

  @Test
  void aLengthBelowTheHeaderOrPastTheEndIsMalformed() throws Exception {
    ByteBuffer b = buffer(32);
    attribute(b, 0, 1, 20);
    NetlinkWalk past = NetlinkWalk.attributes(b, 0, 16);
    assertThatThrownBy(past::next).isInstanceOf(NetlinkWalk.Malformed.class).hasMessage("nla_len 24 with 16 bytes left");
    b.putShort(0, (short) 2);
    assertThatThrownBy(NetlinkWalk.attributes(b, 0, 32)::next).isInstanceOf(NetlinkWalk.Malformed.class);
  }

  @Test
  void messagesAreWalkedByTheirThirtyTwoBitLength() throws Exception {
    ByteBuffer b = buffer(64);
    b.putInt(0, 20).putShort(4, (short) 16);
    b.putInt(20, 24).putShort(24, (short) 3);
    NetlinkWalk m = NetlinkWalk.messages(b, 0, 44);
    assertThat(m.next()).isTrue();
    assertThat(m.type()).isEqualTo(16);
    assertThat(m.offset()).isZero();
    assertThat(m.next()).isTrue();
    assertThat(m.offset()).isEqualTo(20);
    assertThat(m.length()).isEqualTo(24);
    assertThat(m.next()).isFalse();
    b.putInt(20, 1_000);
    NetlinkWalk bad = NetlinkWalk.messages(b, 0, 44);
    bad.next();
    assertThatThrownBy(bad::next).hasMessage("nlmsg_len 1000 with 24 bytes left");
  }
}
