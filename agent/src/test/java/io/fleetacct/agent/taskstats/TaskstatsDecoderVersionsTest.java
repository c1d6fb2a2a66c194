package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.agent.taskstats.MalformedMessageException.Reason;
import io.fleetacct.schema.TaskStats;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Structs of every layout the decoder knows, built by the test, through the same decoder. */
class TaskstatsDecoderVersionsTest {

  private final TaskstatsDecoder decoder = new TaskstatsDecoder(ExitMessages.FAMILY);

  private ExitNotification decode(byte[] message) throws MalformedMessageException {
    return decoder.decode(ExitMessages.wrap(message), 0, message.length);
  }

  private static long v(int offset) {
    return 1000L * offset + 7;
  }

  @Test
  void version1HasItsOwnLayout() throws Exception {
    ExitNotification e = decode(ExitMessages.exit(1, 4242, ExitMessages.struct(1, 72), 0, null, false));
    TaskStats t = e.task();
    assertThat(t.getVersion()).isEqualTo(1);
    assertThat(t.getCpuCount()).isEqualTo(v(8));
    assertThat(t.getCpuDelayTotal()).isEqualTo(v(16));
    assertThat(t.getSwapinDelayTotal()).isEqualTo(v(48));
    assertThat(t.getCpuRunVirtualTotal()).isEqualTo(v(64));
    assertThat(t.getAcPid()).as("from the PID attribute").isEqualTo(4242);
    assertThat(t.getAcComm()).isEmpty();
    assertThat(t.getAcUtime()).isZero();
    assertThat(e.endsProcess()).as("v1 single thread: unknown tgid, no group record").isFalse();
  }

  @ParameterizedTest(name = "version {0}, {1} bytes")
  @CsvSource({"8, 328", "11, 368", "14, 432", "16, 560", "17, 688"})
  void appendOnlyVersionsDecodeTheirFieldsAndZeroTheRest(int version, int size) throws Exception {
    TaskStats t = decode(ExitMessages.exit(9, 77, ExitMessages.struct(version, size), 0, null, false)).task();
    assertThat(t.getVersion()).isEqualTo(version);
    assertThat(t.getAcComm()).isEqualTo("t" + size);
    assertThat(t.getCpuCount()).isEqualTo(v(16));
    assertThat(t.getAcEtime()).isEqualTo(v(144));
    assertThat(t.getFreepagesDelayTotal()).isEqualTo(v(320)); // v7
    assertThat(t.getThrashingCount()).isEqualTo(version >= 9 ? v(328) : 0);
    assertThat(t.getCompactDelayTotal()).isEqualTo(version >= 11 ? v(360) : 0);
    assertThat(t.getWpcopyCount()).isEqualTo(version >= 13 ? v(400) : 0);
    assertThat(t.getIrqDelayTotal()).isEqualTo(version >= 14 ? v(424) : 0);
    assertThat(t.getCpuDelayMax()).isEqualTo(version >= 16 ? v(432) : 0);
    assertThat(t.getIrqDelayMin()).isEqualTo(version >= 16 ? v(552) : 0);
    assertThat(t.getCpuDelayMaxTs().getTvSec()).isEqualTo(version >= 17 ? v(560) : 0);
    assertThat(t.getIrqDelayMaxTs().getTvNsec()).isEqualTo(version >= 17 ? v(680) : 0);
  }

  @Test
  void ac_tgidIsTheTgidBeforeAGroupRecordExists() throws Exception {
    byte[] stats = ExitMessages.struct(16, 560);
    ExitNotification e = decode(ExitMessages.exit(1, 5, stats, 0, null, false));
    assertThat(e.tgid()).isEqualTo(v(368) & 0xffffffffL);
  }

  @Test
  void version15IsRefused() {
    byte[] m = ExitMessages.exit(1, 5, ExitMessages.struct(15, 560), 0, null, false);
    assertThatThrownBy(() -> decode(m))
        .isInstanceOfSatisfying(MalformedMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_VERSION))
        .hasMessageContaining("15");
  }

  @Test
  void newerVersionDecodesTheKnownPrefixAndIsFlagged() throws Exception {
    ExitNotification e = decode(ExitMessages.exit(1, 5, ExitMessages.struct(19, 720), 0, null, false));
    assertThat(e.newerStructVersion()).isTrue();
    assertThat(e.task().getVersion()).isEqualTo(19);
    assertThat(e.task().getIrqDelayMaxTs().getTvNsec()).isEqualTo(v(680));
  }

  @Test
  void groupRecordWithVersion0UsesTheThreadRecordsLayout() throws Exception {
    byte[] group = ExitMessages.struct(0, 560);
    ExitNotification e = decode(ExitMessages.exit(1, 5, ExitMessages.struct(16, 560), 6, group, false));
    assertThat(e.threadGroup().getVersion()).isEqualTo(16);
    assertThat(e.threadGroup().getCpuDelayTotal()).isEqualTo(v(24));
    assertThat(e.tgid()).isEqualTo(6);
  }

  @Test
  void nullPaddingAtBothLevelsIsSkipped() throws Exception {
    byte[] stats = ExitMessages.struct(16, 560);
    ExitNotification plain = decode(ExitMessages.exit(3, 5, stats, 5, stats, false));
    ExitNotification padded = decode(ExitMessages.exit(3, 5, stats, 5, stats, true));
    assertThat(padded.task()).isEqualTo(plain.task());
    assertThat(padded.threadGroup()).isEqualTo(plain.threadGroup());
    assertThat(List.of(padded.pid(), padded.tgid(), padded.kernelSeq()))
        .isEqualTo(List.of(plain.pid(), plain.tgid(), plain.kernelSeq()));
  }

  @Test
  void eachTruncationIsRefusedWithAReason() {
    byte[] full = ExitMessages.exit(3, 5, ExitMessages.struct(16, 560), 5, ExitMessages.struct(16, 560), false);
    for (int len = 0; len < full.length; len++) {
      byte[] cut = Arrays.copyOf(full, len);
      assertThatThrownBy(() -> decode(cut)).as("cut at %d", len).isInstanceOf(MalformedMessageException.class);
    }
  }

  @Test
  void shortStatsForItsVersionIsTruncated() {
    byte[] m = ExitMessages.exit(1, 5, Arrays.copyOf(ExitMessages.struct(16, 560), 400), 0, null, false);
    assertThatThrownBy(() -> decode(m))
        .isInstanceOfSatisfying(MalformedMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED_STATS));
  }

  @Test
  void zeroLengthAttributeIsRefusedNotLoopedOn() {
    byte[] m = ExitMessages.exit(1, 5, ExitMessages.struct(16, 560), 0, null, false);
    m[20] = 0;
    m[21] = 0; // AGGR_PID nla_len = 0
    assertThatThrownBy(() -> decode(m))
        .isInstanceOfSatisfying(MalformedMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.BAD_ATTRIBUTE_LENGTH));
  }

  @Test
  void otherFamilyOrCommandIsNotAnExit() {
    byte[] m = ExitMessages.exit(1, 5, ExitMessages.struct(16, 560), 0, null, false);
    m[16] = (byte) Taskstats.CMD_GET;
    assertThatThrownBy(() -> decode(m))
        .isInstanceOfSatisfying(MalformedMessageException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_EXIT));
  }
}
