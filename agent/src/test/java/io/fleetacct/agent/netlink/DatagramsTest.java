package io.fleetacct.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * recvmmsg through {@link NetlinkSocket#receive(Datagrams, boolean)}, between two NETLINK_USERSOCK
 * sockets (no privilege needed): every datagram in order, each in its slot at its own length, cut
 * ones flagged, a full batch leaving the rest queued, nothing waiting answered at once.
 */
class DatagramsTest {

  private static final int NETLINK_USERSOCK = 2;

  private NetlinkSocket sender;
  private NetlinkSocket receiver;

  @BeforeEach
  void open() throws NetlinkException {
    sender = NetlinkSocket.open(NETLINK_USERSOCK, 0);
    receiver = NetlinkSocket.open(NETLINK_USERSOCK, 0);
    receiver.setReceiveBuffer(1 << 20);
    receiver.setReceiveTimeout(Duration.ofMillis(100));
  }

  @AfterEach
  void close() {
    sender.close();
    receiver.close();
  }

  /** A datagram of {@code length} bytes whose every byte is {@code (n + i) % 251}. */
  private void send(int n, int length) throws NetlinkException {
    ByteBuffer b = NetlinkSocket.direct(length);
    for (int i = 0; i < length; i++) {
      b.put(i, (byte) ((n + i) % 251));
    }
    sender.sendTo(b, receiver.portId());
  }

  private static void assertDatagram(Datagrams d, int slot, int n, int length) {
    assertThat(d.length(slot)).isEqualTo(length);
    assertThat(d.truncated(slot)).isFalse();
    for (int i = 0; i < length; i++) {
      assertThat(d.buffer().get(d.offset(slot) + i)).as("byte %d of datagram %d", i, n).isEqualTo((byte) ((n + i) % 251));
    }
  }

  @Test
  void oneCallTakesEveryQueuedDatagramInOrderEachAtItsLength() throws NetlinkException {
    Datagrams d = new Datagrams(8, 512);
    int[] lengths = {1, 20, 512, 300, 4, 77};
    for (int n = 0; n < lengths.length; n++) {
      send(n, lengths[n]);
    }
    assertThat(receiver.receive(d, false)).isEqualTo(lengths.length);
    assertThat(d.count()).isEqualTo(lengths.length);
    for (int n = 0; n < lengths.length; n++) {
      assertDatagram(d, n, n, lengths[n]);
    }
    assertThat(receiver.receive(d, true)).as("nothing left").isEqualTo(-1);
    assertThat(d.count()).isZero();
  }

  @Test
  void aFullBatchLeavesTheRestForTheNextCall() throws NetlinkException {
    Datagrams d = new Datagrams(4, 64);
    for (int n = 0; n < 10; n++) {
      send(n, 10 + n);
    }
    int received = 0;
    int calls = 0;
    int got;
    while ((got = receiver.receive(d, true)) > 0 && calls++ < 10) {
      for (int i = 0; i < got; i++) {
        assertDatagram(d, i, received + i, 10 + received + i);
      }
      received += got;
    }
    assertThat(received).isEqualTo(10);
    assertThat(calls).isEqualTo(3); // 4 + 4 + 2
  }

  @Test
  void aDatagramLongerThanItsSlotIsCutAndFlagged() throws NetlinkException {
    Datagrams d = new Datagrams(2, 64);
    send(0, 100);
    send(1, 64);
    assertThat(receiver.receive(d, false)).isEqualTo(2);
    assertThat(d.truncated(0)).isTrue();
    assertThat(d.length(0)).isEqualTo(64);
    assertDatagram(d, 1, 1, 64);
  }

  @Test
  void waitingEndsAtTheReceiveTimeoutWithNone() throws NetlinkException {
    Datagrams d = new Datagrams(2, 64);
    long t0 = System.nanoTime();
    assertThat(receiver.receive(d, false)).isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(80), Duration.ofSeconds(5));
  }
}
