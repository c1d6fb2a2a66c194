package io.fleetacct.agent.taskstats;

import io.fleetacct.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds taskstats exit notifications byte by byte, as the kernel lays them out, for tests. */
final class ExitMessages {

  static final int FAMILY = 31;

  private ExitMessages() {}

  /** A real capture (test-fixtures' captures/). */
  static byte[] capture(String name) {
    return Captures.message(name);
  }

  static ByteBuffer wrap(byte[] message) {
    return ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
  }

  /**
   * A struct of {@code size} bytes with {@code version} whose every u64 field in the common
   * layout holds {@code 1000 * offset + 7}, ac_comm "t" + size, and v1's own layout for version 1.
   */
  static byte[] struct(int version, int size) {
    ByteBuffer s = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    s.putShort(0, (short) version);
    if (version == 1) {
      for (int off = 8; off + 8 <= size; off += 8) {
        s.putLong(off, 1000L * off + 7);
      }
      return s.array();
    }
    for (int off = 16; off + 8 <= size; off += 8) {
      if (off < 80 || off >= 144) {
        s.putLong(off, 1000L * off + 7);
      }
    }
    byte[] comm = ("t" + size).getBytes();
    s.put(80, comm);
    return s.array();
  }

  /** One exit notification: AGGR_PID{PID, STATS} and, if {@code tgStats} is given, AGGR_TGID. */
  static byte[] exit(int seq, int pid, byte[] stats, int tgid, byte[] tgStats, boolean nullPadding) {
    ByteBuffer m = ByteBuffer.allocate(64 + stats.length + (tgStats == null ? 0 : tgStats.length + 32))
        .order(ByteOrder.nativeOrder());
    m.putInt(0).putShort((short) FAMILY).putShort((short) 0).putInt(seq).putInt(0);
    m.put((byte) Taskstats.CMD_NEW).put((byte) 1).putShort((short) 0);
    nest(m, Taskstats.TYPE_AGGR_PID, Taskstats.TYPE_PID, pid, stats, nullPadding);
    if (tgStats != null) {
      nest(m, Taskstats.TYPE_AGGR_TGID, Taskstats.TYPE_TGID, tgid, tgStats, nullPadding);
    }
    int len = m.position();
    m.putInt(0, len);
    byte[] out = new byte[len];
    m.get(0, out);
    return out;
  }

  private static void nest(ByteBuffer m, int aggrType, int idType, int id, byte[] stats, boolean nullPadding) {
    if (nullPadding) {
      m.putShort((short) 4).putShort((short) Taskstats.TYPE_NULL); // before the nest (kernels ~2.6.37-4.6)
    }
    int start = m.position();
    m.putShort((short) 0).putShort((short) aggrType);
    m.putShort((short) 8).putShort((short) idType).putInt(id);
    if (nullPadding) {
      m.putShort((short) 4).putShort((short) Taskstats.TYPE_NULL); // inside, before STATS (4.7+)
    }
    m.putShort((short) (4 + stats.length)).putShort((short) Taskstats.TYPE_STATS).put(stats);
    while ((m.position() & 3) != 0) {
      m.put((byte) 0);
    }
    m.putShort(start, (short) (m.position() - start));
  }
}
