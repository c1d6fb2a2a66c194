package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.TaskStats;
import io.fleetacct.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** An exit is a view over the receive buffer, reused exit after exit: what stays true and what a copy keeps. */
class ExitNotificationTest {

  private final TaskstatsDecoder decoder = new TaskstatsDecoder(-1);

  @Test
  void aCopyKeepsItsExitWhenTheBufferAndTheViewMoveOn() throws Exception {
    byte[] single = Captures.message(Captures.SINGLE_THREADED);
    byte[] multi = Captures.message(Captures.MULTITHREADED_WITH_TGID);
    ByteBuffer rx = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
    ExitNotification view = new ExitNotification();
    rx.put(0, multi);
    decoder.decode(rx, 0, multi.length, view);
    TaskStats task = view.task();
    TaskStats group = view.threadGroup();
    String comm = view.acComm();
    ExitNotification kept = view.copy();

    rx.put(0, single);
    decoder.decode(rx, 0, single.length, view);
    assertThat(view.hasThreadGroup()).isFalse();
    assertThat(view.acComm()).isNotEqualTo(comm);

    assertThat(kept.task()).isEqualTo(task);
    assertThat(kept.threadGroup()).isEqualTo(group);
    assertThat(kept.acComm()).isEqualTo(comm);
    assertThat(kept.pid()).isEqualTo(task.getAcPid());
  }

  @Test
  void aReusedViewGivesEachExitItsOwnNameAndTheSameStringForARepeatedOne() throws Exception {
    byte[] single = Captures.message(Captures.SINGLE_THREADED);
    byte[] multi = Captures.message(Captures.MULTITHREADED_WITH_TGID);
    ExitNotification view = new ExitNotification();
    decoder.decode(ByteBuffer.wrap(single).order(ByteOrder.nativeOrder()), 0, single.length, view);
    String first = view.acComm();
    assertThat(first).isEqualTo(view.task().getAcComm().toString());
    decoder.decode(ByteBuffer.wrap(multi).order(ByteOrder.nativeOrder()), 0, multi.length, view);
    assertThat(view.acComm()).isEqualTo(view.task().getAcComm().toString()).isNotEqualTo(first);
    decoder.decode(ByteBuffer.wrap(single).order(ByteOrder.nativeOrder()), 0, single.length, view);
    assertThat(view.acComm()).isSameAs(first);
  }
}
