package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A seeded mutation loop over the real captures: bit flips, byte sets, truncations, extensions and
 * length fields (nlmsg_len and every nla_len) set to 0, 3, 65535 and random values. The decoder
 * must either decode or refuse with a MalformedMessageException; nothing else may escape, and
 * every input must finish (the class timeout catches a hang). The seed is printed so that a
 * failure can be replayed; -Dfleetacct.fuzz.inputs raises the count for longer runs.
 */
class TaskstatsDecoderRobustnessTest {

  private static final int INPUTS = Integer.getInteger("fleetacct.fuzz.inputs", 1_000_000);
  private static final long SEED = Long.getLong("fleetacct.fuzz.seed", 0x5eed_7a5c_57a7_5L);

  /** Offsets of every length field in a capture: nlmsg_len (u32 at 0) and each nla_len. */
  private static int[] lengthFields(byte[] m) {
    int[] out = new int[32];
    int n = 0;
    out[n++] = 0;
    ByteBuffer b = ExitMessages.wrap(m);
    // Top-level attributes start at 20; nests are walked one level down.
    for (int a = 20; a + 4 <= m.length && n < out.length - 8; ) {
      int alen = b.getShort(a) & 0xffff;
      out[n++] = a;
      int type = b.getShort(a + 2) & 0x3fff;
      if (type == Taskstats.TYPE_AGGR_PID || type == Taskstats.TYPE_AGGR_TGID) {
        for (int i = a + 4; i + 4 <= a + alen; ) {
          int ilen = b.getShort(i) & 0xffff;
          out[n++] = i;
          i += (ilen + 3) & ~3;
        }
      }
      a += (alen + 3) & ~3;
    }
    return Arrays.copyOf(out, n);
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void mutatedCapturesNeverThrowAnythingButMalformedMessage() {
    List<byte[]> seeds = List.of(
        ExitMessages.capture("01-single-threaded-sleep"),
        ExitMessages.capture("02-multithreaded-python3-with-tgid-aggr"),
        ExitMessages.capture("03-dd-direct-io-delayacct-on"));
    List<int[]> lengths = seeds.stream().map(TaskstatsDecoderRobustnessTest::lengthFields).toList();
    TaskstatsDecoder decoder = new TaskstatsDecoder(ExitMessages.FAMILY);
    SplittableRandom random = new SplittableRandom(SEED);
    Map<MalformedMessageException.Reason, Integer> refused = new EnumMap<>(MalformedMessageException.Reason.class);
    int decoded = 0;
    byte[] work = new byte[4096];

    for (int i = 0; i < INPUTS; i++) {
      int which = random.nextInt(seeds.size());
      byte[] seed = seeds.get(which);
      int len = seed.length;
      System.arraycopy(seed, 0, work, 0, len);
      int mutations = 1 + random.nextInt(4);
      for (int k = 0; k < mutations; k++) {
        switch (random.nextInt(6)) {
          case 0 -> work[random.nextInt(Math.max(1, len))] ^= (byte) (1 << random.nextInt(8));
          case 1 -> work[random.nextInt(Math.max(1, len))] = (byte) random.nextInt(256);
          case 2 -> len = random.nextInt(len + 1);
          case 3 -> {
            int extra = random.nextInt(256);
            for (int j = len; j < Math.min(work.length, len + extra); j++) {
              work[j] = (byte) random.nextInt(256);
            }
            len = Math.min(work.length, len + extra);
          }
          default -> {
            int[] fields = lengths.get(which);
            int at = fields[random.nextInt(fields.length)];
            int value = switch (random.nextInt(4)) {
              case 0 -> 0;
              case 1 -> 3;
              case 2 -> 65535;
              default -> random.nextInt(1 << 16);
            };
            if (at + 2 <= len) {
              work[at] = (byte) value;
              work[at + 1] = (byte) (value >>> 8);
            }
          }
        }
      }
      ByteBuffer input = ExitMessages.wrap(Arrays.copyOf(work, len));
      try {
        ExitNotification e = decoder.decode(input, 0, len);
        assertThat(e.task()).isNotNull();
        decoded++;
      } catch (MalformedMessageException e) {
        refused.merge(e.reason(), 1, Integer::sum);
      } catch (RuntimeException e) {
        throw new AssertionError("input " + i + " (seed " + SEED + ") escaped with " + e
            + ": " + hex(input.array()), e);
      }
    }
    System.out.printf("decoder robustness: %d inputs, seed %d: %d decoded, refused %s%n",
        INPUTS, SEED, decoded, refused);
    assertThat(decoded + refused.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(INPUTS);
    assertThat(decoded).as("some mutations (in counters) still decode").isPositive();
    assertThat(refused).as("every kind of malformation was exercised")
        .containsKeys(MalformedMessageException.Reason.TRUNCATED_HEADER,
            MalformedMessageException.Reason.BAD_MESSAGE_LENGTH,
            MalformedMessageException.Reason.BAD_ATTRIBUTE_LENGTH,
            MalformedMessageException.Reason.TRUNCATED_STATS);
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x));
    }
    return s.toString();
  }
}
