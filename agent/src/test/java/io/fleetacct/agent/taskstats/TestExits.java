package io.fleetacct.agent.taskstats;

import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskStats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Exit notifications made from TaskStats records, for tests of what reads exits: each record is laid
 * out as the kernel's struct of its version ({@link StructLayout}), framed as an exit message and
 * decoded, so the exit reads back as the kernel's would.
 */
public final class TestExits {

  private TestExits() {}

  /** The exit of thread {@code pid} of {@code tgid}, with its thread group's record if {@code group} is given. */
  public static ExitNotification of(int seq, long pid, TaskStats task, long tgid, TaskStats group) {
    byte[] message = ExitMessages.exit(seq, (int) pid, struct(task), (int) tgid, group == null ? null : struct(group),
        false);
    try {
      return new TaskstatsDecoder(ExitMessages.FAMILY).decode(ExitMessages.wrap(message), 0, message.length);
    } catch (MalformedMessageException e) {
      throw new IllegalArgumentException("not a valid record: " + e.getMessage(), e);
    }
  }

  /** An exit message: AGGR_PID{PID, STATS} and, if {@code group} is given, AGGR_TGID. */
  public static byte[] message(int seq, int pid, byte[] task, int tgid, byte[] group) {
    return ExitMessages.exit(seq, pid, task, tgid, group, false);
  }

  /**
   * A struct of {@code version} (0: a thread group's record of the old kernels that send none,
   * laid out as version 17) with random bytes in every field but ac_comm, which holds {@code comm}
   * NUL-padded; newer versions than 17 are longer than 17's.
   */
  public static byte[] fuzzedStruct(Random random, int version, byte[] comm) {
    int layout = version == 0 ? 17 : version;
    int size = layout > Taskstats.NEWEST_KNOWN_VERSION ? 720 : TaskstatsDecoder.minimumSize(layout);
    ByteBuffer s = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    for (int off = 2; off < size; off++) {
      s.put(off, (byte) random.nextInt());
    }
    s.putShort(0, (short) version);
    if (layout > 1) {
      s.put(80, new byte[32]).put(80, comm);
    }
    return s.array();
  }

  /** The struct of the record's version (2 and later) holding its fields. */
  static byte[] struct(TaskStats t) {
    int version = t.getVersion();
    ByteBuffer s = ByteBuffer.allocate(TaskstatsDecoder.minimumSize(version)).order(ByteOrder.nativeOrder());
    for (int f = 0; f < StructLayout.fields(); f++) {
      int off = StructLayout.offset(version, f);
      if (off < 0 || off >= s.capacity()) {
        continue;
      }
      Object v = t.get(f);
      switch (StructLayout.kind(f)) {
        case U16 -> s.putShort(off, (short) (int) (Integer) v);
        case U8, S8 -> s.put(off, (byte) (int) (Integer) v);
        case U32 -> s.putInt(off, (int) (long) (Long) v);
        case U64 -> s.putLong(off, (Long) v);
        case COMM -> s.put(off, v.toString().getBytes(StandardCharsets.UTF_8));
        case TIMESPEC -> {
          if (off + 16 <= s.capacity() && v != null) {
            s.putLong(off, ((KernelTimespec) v).getTvSec()).putLong(off + 8, ((KernelTimespec) v).getTvNsec());
          }
        }
      }
    }
    return s.array();
  }
}
