package io.fleetacct.agent.taskstats;

import java.nio.ByteBuffer;

/**
 * Where each field of the TaskStats record sits in the kernel's struct taskstats: the one table
 * that both the object decoder ({@link ExitNotification#task()}) and the Avro writer ({@link
 * ExitRecordWriter}) read, field by field in the record's schema order.
 *
 * <p>Versions 2 and later share one append-only layout (every 64-bit architecture: the struct is
 * 8-byte aligned internally; offsets from gcc offsetof on the version 16 header plus the version
 * 17 timestamps at 560). A field that ends past the struct's defined length is absent: 0. Version 1
 * has its own layout: the 8 delay and run-time fields from offset 8, nothing else.
 */
public final class StructLayout {

  /** How a field is stored in the struct, and so how it is read. */
  enum Kind { U16, U8, S8, U32, U64, COMM, TIMESPEC }

  /** Schema position of the fields that code outside this table names. */
  static final int VERSION = 0;
  static final int AC_FLAG = 2;
  static final int AC_COMM = 12;
  static final int AC_PID = 16;
  static final int AC_PPID = 17;
  static final int AC_BTIME = 18;
  static final int AC_ETIME = 19;
  static final int AC_BTIME64 = 44;
  static final int AC_TGID = 47;
  /** The first of the 8 version-17 timestamps, which end the record. */
  static final int FIRST_TIMESPEC = 71;

  /** char ac_comm[32]. */
  static final int COMM_BYTES = 32;

  private static final Kind[] KIND = new Kind[79];
  private static final int[] OFFSET = new int[79];
  private static final int[] V1_OFFSET = new int[79];

  static {
    field(0, Kind.U16, 0);
    field(1, Kind.U32, 4);    // ac_exitcode
    field(2, Kind.U8, 8);     // ac_flag
    field(3, Kind.S8, 9);     // ac_nice: a u8 holding a signed value
    for (int f = 4; f <= 11; f++) {
      field(f, Kind.U64, 16 + 8 * (f - 4)); // cpu_count .. cpu_run_virtual_total
    }
    field(12, Kind.COMM, 80);
    field(13, Kind.U8, 112);  // ac_sched
    for (int f = 14; f <= 18; f++) {
      field(f, Kind.U32, 120 + 4 * (f - 14)); // ac_uid, ac_gid, ac_pid, ac_ppid, ac_btime
    }
    for (int f = 19; f <= 46; f++) {
      field(f, Kind.U64, 144 + 8 * (f - 19)); // ac_etime .. compact_delay_total
    }
    field(47, Kind.U32, 368); // ac_tgid
    for (int f = 48; f <= 70; f++) {
      field(f, Kind.U64, 376 + 8 * (f - 48)); // ac_tgetime .. irq_delay_min
    }
    for (int f = FIRST_TIMESPEC; f < 79; f++) {
      field(f, Kind.TIMESPEC, 560 + 16 * (f - FIRST_TIMESPEC));
    }
    java.util.Arrays.fill(V1_OFFSET, -1);
    for (int f = 4; f <= 11; f++) {
      V1_OFFSET[f] = 8 + 8 * (f - 4);
    }
  }

  private static void field(int index, Kind kind, int offset) {
    KIND[index] = kind;
    OFFSET[index] = offset;
  }

  private StructLayout() {}

  /** Fields of the TaskStats record. */
  static int fields() {
    return KIND.length;
  }

  static Kind kind(int field) {
    return KIND[field];
  }

  /** The field's offset in a struct of {@code version}, or -1 when that version has none. */
  static int offset(int version, int field) {
    return version == 1 ? V1_OFFSET[field] : OFFSET[field];
  }

  /**
   * A numeric field (not COMM or TIMESPEC) of the struct at {@code base} whose fields end at
   * {@code lim} bytes, as the record holds it: unsigned widened, ac_nice signed, absent 0.
   */
  static long number(ByteBuffer b, int base, int lim, int version, int field) {
    if (field == VERSION) {
      return version;
    }
    int off = offset(version, field);
    if (off < 0) {
      return 0;
    }
    switch (KIND[field]) {
      case U8: return off + 1 <= lim ? b.get(base + off) & 0xff : 0;
      case S8: return off + 1 <= lim ? b.get(base + off) : 0;
      case U16: return off + 2 <= lim ? b.getShort(base + off) & 0xffff : 0;
      case U32: return off + 4 <= lim ? b.getInt(base + off) & 0xffffffffL : 0;
      case U64: return off + 8 <= lim ? b.getLong(base + off) : 0;
      default: throw new IllegalArgumentException("field " + field + " is not a number");
    }
  }

  /** tv_sec ({@code half} 0) or tv_nsec (1) of a TIMESPEC field; 0 when absent. */
  static long timespec(ByteBuffer b, int base, int lim, int version, int field, int half) {
    int off = offset(version, field);
    return off >= 0 && off + 16 <= lim ? b.getLong(base + off + 8 * half) : 0;
  }

  /** Bytes of ac_comm before its first NUL; -1 when the struct has no ac_comm. */
  static int commLength(ByteBuffer b, int base, int lim, int version) {
    int off = offset(version, AC_COMM);
    if (off < 0 || off + COMM_BYTES > lim) {
      return -1;
    }
    int n = 0;
    while (n < COMM_BYTES && b.get(base + off + n) != 0) {
      n++;
    }
    return n;
  }

  /** Where ac_comm starts. */
  static int commOffset(int base) {
    return base + OFFSET[AC_COMM];
  }
}
