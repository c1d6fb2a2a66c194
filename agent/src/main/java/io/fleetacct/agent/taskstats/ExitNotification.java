package io.fleetacct.agent.taskstats;

import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.AvroBinary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One decoded taskstats exit notification: the exiting thread's record and, when the last thread
 * of a thread group exits, the group aggregate. A view over the message where it was received
 * (checked by {@link TaskstatsDecoder}): the fields are read from the struct when asked, so an exit
 * costs no objects on its way to the Avro writer. A receive thread reuses one view for every exit:
 * whoever keeps an exit past the call that handed it over keeps a {@link #copy()}.
 *
 * <p>{@link #task()} and {@link #threadGroup()} make TaskStats records, for tools and tests.
 */
public final class ExitNotification {

  private ByteBuffer b;
  private int nlmsgSeq;
  private long pid;
  private long tgid;
  private boolean newerStructVersion;
  /** The thread's own struct: where, how long its defined fields are, its version. */
  private int taskBase;
  private int taskLim;
  private int taskVersion;
  /** The thread group's, or groupVersion -1 when the message has none. */
  private int groupBase;
  private int groupLim;
  private int groupVersion = -1;
  /** ac_comm as a String, once asked for; the names met, by their bytes. */
  private String comm;
  private static final int COMM_SLOTS = 64;
  private final byte[][] commKeys = new byte[COMM_SLOTS][];
  private final String[] commNames = new String[COMM_SLOTS];

  void set(ByteBuffer b, int nlmsgSeq, long pid, long tgid, boolean newer, int taskBase, int taskLim,
           int taskVersion, int groupBase, int groupLim, int groupVersion) {
    this.b = b;
    this.nlmsgSeq = nlmsgSeq;
    this.pid = pid;
    this.tgid = tgid;
    this.newerStructVersion = newer;
    this.taskBase = taskBase;
    this.taskLim = taskLim;
    this.taskVersion = taskVersion;
    this.groupBase = groupBase;
    this.groupLim = groupLim;
    this.groupVersion = groupVersion;
    this.comm = null;
  }

  /** The kernel's per-CPU sequence number of the message. */
  public int nlmsgSeq() {
    return nlmsgSeq;
  }

  /** {@link #nlmsgSeq} as the kernel's unsigned 32-bit number. */
  public long kernelSeq() {
    return nlmsgSeq & 0xffffffffL;
  }

  /** The thread id from TASKSTATS_TYPE_PID. */
  public long pid() {
    return pid;
  }

  /**
   * The thread group id: from TASKSTATS_TYPE_TGID when present, else {@code ac_tgid} (struct
   * version 12+), else 0.
   */
  public long tgid() {
    return tgid;
  }

  /** The kernel sent a struct version newer than this decoder knows; the known fields were decoded. */
  public boolean newerStructVersion() {
    return newerStructVersion;
  }

  /** The struct version of the thread's record. */
  public int version() {
    return taskVersion;
  }

  public boolean hasThreadGroup() {
    return groupVersion >= 0;
  }

  /** A numeric field of the thread's record, by its position in the TaskStats schema. */
  private long taskNumber(int field) {
    return number(false, field);
  }

  /** A numeric field of the thread's ({@code group} false) or the thread group's record. */
  private long number(boolean group, int field) {
    if (!group && field == StructLayout.AC_PID && taskVersion == 1) {
      return pid; // version 1 has no ids in the struct; the attribute has it
    }
    return group ? StructLayout.number(b, groupBase, groupLim, groupVersion, field)
        : StructLayout.number(b, taskBase, taskLim, taskVersion, field);
  }

  /** tv_sec ({@code half} 0) or tv_nsec (1) of a timestamp of either record. */
  private long timespec(boolean group, int field, int half) {
    return group ? StructLayout.timespec(b, groupBase, groupLim, groupVersion, field, half)
        : StructLayout.timespec(b, taskBase, taskLim, taskVersion, field, half);
  }

  /** Bytes of either record's ac_comm before its NUL; -1 when the struct has none. */
  private int commLength(boolean group) {
    return group ? StructLayout.commLength(b, groupBase, groupLim, groupVersion)
        : StructLayout.commLength(b, taskBase, taskLim, taskVersion);
  }

  /** Writes the thread's own record as Avro's binary TaskStats, as {@link #task()} would encode. */
  public void writeTask(AvroBinary out) {
    write(out, false);
  }

  /** Writes the thread group's record (there must be one) as Avro's binary TaskStats. */
  public void writeThreadGroup(AvroBinary out) {
    write(out, true);
  }

  private void write(AvroBinary out, boolean group) {
    for (int f = 0; f < StructLayout.fields(); f++) {
      switch (StructLayout.kind(f)) {
        case COMM -> writeComm(out, group);
        case TIMESPEC -> {
          out.writeLong(timespec(group, f, 0));
          out.writeLong(timespec(group, f, 1));
        }
        default -> out.writeLong(number(group, f));
      }
    }
  }

  /** Writes ac_comm of the thread's ({@code group} false) or the group's record as Avro writes a string. */
  private void writeComm(AvroBinary out, boolean group) {
    int base = group ? groupBase : taskBase;
    int n = commLength(group);
    if (n < 0) {
      out.writeInt(0);
      return;
    }
    int at = StructLayout.commOffset(base);
    for (int i = 0; i < n; i++) {
      if (b.get(at + i) < 0) { // not ASCII: as the String the record holds (bad UTF-8 replaced)
        out.writeString(commString(base, n));
        return;
      }
    }
    out.writeInt(n);
    out.writeBytes(b, at, n);
  }

  public long acEtime() {
    return taskNumber(StructLayout.AC_ETIME);
  }

  public long acPpid() {
    return taskNumber(StructLayout.AC_PPID);
  }

  /** ac_btime64, or where the struct lacks it (before version 10) ac_btime: the start, in epoch seconds. */
  public long acBtime() {
    long btime64 = taskNumber(StructLayout.AC_BTIME64);
    return btime64 != 0 ? btime64 : taskNumber(StructLayout.AC_BTIME);
  }

  public long acBtime64() {
    return taskNumber(StructLayout.AC_BTIME64);
  }

  /**
   * The thread's ac_comm (its name), "" where the struct has none. A view remembers the names it
   * met (a fork storm repeats a handful), so that a receive thread makes no String per exit.
   */
  public String acComm() {
    if (comm == null) {
      int n = commLength(false);
      comm = n < 0 ? "" : knownComm(StructLayout.commOffset(taskBase), n);
    }
    return comm;
  }

  private String knownComm(int at, int n) {
    int hash = n;
    for (int i = 0; i < n; i++) {
      hash = 31 * hash + b.get(at + i);
    }
    int slot = (hash ^ hash >>> 16) & (COMM_SLOTS - 1);
    byte[] key = commKeys[slot];
    if (key != null && key.length == n && sameBytes(at, key)) {
      return commNames[slot];
    }
    byte[] bytes = new byte[n];
    b.get(at, bytes);
    commKeys[slot] = bytes;
    commNames[slot] = commString(bytes);
    return commNames[slot];
  }

  private boolean sameBytes(int at, byte[] key) {
    for (int i = 0; i < key.length; i++) {
      if (b.get(at + i) != key[i]) {
        return false;
      }
    }
    return true;
  }

  /** char ac_comm[32] up to its NUL; the kernel does not promise UTF-8, so bad bytes are replaced. */
  private String commString(int base, int n) {
    byte[] bytes = new byte[n];
    b.get(StructLayout.commOffset(base), bytes);
    return commString(bytes);
  }

  private static String commString(byte[] bytes) {
    boolean ascii = true;
    for (byte c : bytes) {
      ascii &= c > 0;
    }
    return new String(bytes, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  /** Whether this exit ends its whole process, by the counting rules. */
  public boolean endsProcess() {
    return AcFlag.endsProcess(taskVersion, (int) taskNumber(StructLayout.AC_FLAG), hasThreadGroup(), pid, tgid);
  }

  /** The thread's own record, as a new TaskStats. */
  public TaskStats task() {
    return record(false);
  }

  /** The TASKSTATS_TYPE_AGGR_TGID record as a new TaskStats, or null. */
  public TaskStats threadGroup() {
    return hasThreadGroup() ? record(true) : null;
  }

  private TaskStats record(boolean group) {
    TaskStats t = new TaskStats();
    for (int f = 0; f < StructLayout.fields(); f++) {
      switch (StructLayout.kind(f)) {
        case COMM -> {
          int n = commLength(group);
          t.put(f, n < 0 ? "" : commString(group ? groupBase : taskBase, n));
        }
        case TIMESPEC -> t.put(f, new KernelTimespec(timespec(group, f, 0), timespec(group, f, 1)));
        case U16, U8, S8 -> t.put(f, (int) number(group, f)); // Avro ints
        default -> t.put(f, number(group, f));
      }
    }
    return t;
  }

  /** A copy that owns its bytes: for keeping past the call that handed this one over. */
  public ExitNotification copy() {
    ExitNotification c = new ExitNotification();
    int start = Math.min(taskBase, hasThreadGroup() ? groupBase : taskBase);
    int end = Math.max(taskBase + taskLim, hasThreadGroup() ? groupBase + groupLim : 0);
    ByteBuffer own = ByteBuffer.allocate(end - start).order(ByteOrder.nativeOrder());
    own.put(0, b, start, end - start);
    c.set(own, nlmsgSeq, pid, tgid, newerStructVersion, taskBase - start, taskLim, taskVersion,
        hasThreadGroup() ? groupBase - start : 0, groupLim, groupVersion);
    return c;
  }

  @Override
  public String toString() {
    return "exit of thread " + pid + " (tgid " + tgid + ", " + acComm() + "), struct version " + taskVersion
        + ", nlmsg_seq " + kernelSeq();
  }
}
