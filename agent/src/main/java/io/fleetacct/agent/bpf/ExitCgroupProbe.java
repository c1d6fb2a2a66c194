package io.fleetacct.agent.bpf;

import io.fleetacct.agent.netlink.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * The kernel's own answer to "which cgroup did this thread exit in": a BPF program on the
 * {@code sched_process_exit} raw tracepoint, which runs in the exiting task right after
 * taskstats_exit (kernel/exit.c) and before cgroup_exit, and stores thread id → (cgroup v2 id,
 * CLOCK_MONOTONIC ns) in an LRU hash map. The agent takes (looks up and deletes) the entry of each
 * exit it decodes. The netlink message is queued before the program runs (exit_mm comes between),
 * so an entry may appear a little after its message: callers retry.
 *
 * <p>Fifteen instructions, assembled here; no compiler, no libbpf, nothing pinned: closing the
 * descriptors (or the process dying) detaches and frees everything.
 */
public final class ExitCgroupProbe implements AutoCloseable {

  /** Entries of the map: exits not yet taken; an LRU map forgets the oldest when full. */
  public static final int DEFAULT_ENTRIES = 65_536;
  private static final int KEY_SIZE = 4;
  private static final int VALUE_SIZE = 16; // u64 cgroup id, u64 ktime_get_ns
  private static final int ENOTSUPP = 524; // kernel-internal, returned by maps without the command

  private final Bpf bpf;
  private final int mapFd;
  private final int progFd;
  private final int linkFd;
  private final ThreadLocal<Slot> slots;
  private volatile boolean lookupAndDelete = true;

  /** One thread's attribute block, key and value, built once: taking an entry allocates nothing. */
  private final class Slot {
    final Pointer attr = bpf.attr();
    final Pointer key = bpf.memory(KEY_SIZE);
    final Pointer value = bpf.memory(VALUE_SIZE);

    Slot() {
      attr.putInt(0, mapFd);
      attr.putLong(8, key.address());
      attr.putLong(16, value.address());
    }
  }

  private ExitCgroupProbe(Bpf bpf, int mapFd, int progFd, int linkFd) {
    this.bpf = bpf;
    this.mapFd = mapFd;
    this.progFd = progFd;
    this.linkFd = linkFd;
    this.slots = ThreadLocal.withInitial(Slot::new);
  }

  /**
   * Creates the map, loads the program and attaches it. Throws with the errno when the kernel
   * refuses (EPERM: CAP_BPF and CAP_PERFMON missing, or CAP_SYS_ADMIN before Linux 5.8).
   */
  public static ExitCgroupProbe attach(int entries) throws BpfException {
    Bpf bpf = Bpf.forThisMachine();
    int map = -1;
    int prog = -1;
    try {
      Pointer a = bpf.attr();
      a.putInt(0, Bpf.BPF_MAP_TYPE_LRU_HASH);
      a.putInt(4, KEY_SIZE);
      a.putInt(8, VALUE_SIZE);
      a.putInt(12, entries);
      name(a, 28);
      map = (int) bpf.call(Bpf.BPF_MAP_CREATE, a, "BPF_MAP_CREATE (LRU hash)");
      prog = load(bpf, map);
      Pointer tp = bpf.memory(32);
      byte[] tpName = "sched_process_exit\0".getBytes(StandardCharsets.US_ASCII);
      tp.put(0, tpName, 0, tpName.length);
      Pointer o = bpf.attr();
      o.putLong(0, tp.address());
      o.putInt(8, prog);
      int link = (int) bpf.call(Bpf.BPF_RAW_TRACEPOINT_OPEN, o, "BPF_RAW_TRACEPOINT_OPEN sched_process_exit");
      return new ExitCgroupProbe(bpf, map, prog, link);
    } catch (BpfException | RuntimeException e) {
      Bpf.close(prog);
      Bpf.close(map);
      throw e;
    }
  }

  private static int load(Bpf bpf, int map) throws BpfException {
    byte[] code = program(map);
    Pointer insns = bpf.memory(code.length);
    insns.put(0, code, 0, code.length);
    Pointer license = bpf.memory(4);
    license.put(0, "GPL\0".getBytes(StandardCharsets.US_ASCII), 0, 4);
    Pointer a = bpf.attr();
    a.putInt(0, Bpf.BPF_PROG_TYPE_RAW_TRACEPOINT);
    a.putInt(4, code.length / 8);
    a.putLong(8, insns.address());
    a.putLong(16, license.address());
    name(a, 48);
    try {
      return (int) bpf.call(Bpf.BPF_PROG_LOAD, a, "BPF_PROG_LOAD (raw tracepoint)");
    } catch (BpfException e) {
      if (e.lacksPrivilege()) {
        throw e;
      }
      // Ask again with the verifier's log, so that the error says why.
      int logSize = 64 * 1024;
      Pointer log = bpf.memory(logSize);
      a.putInt(24, 1);
      a.putInt(28, logSize);
      a.putLong(32, log.address());
      try {
        return (int) bpf.call(Bpf.BPF_PROG_LOAD, a, "BPF_PROG_LOAD (raw tracepoint)");
      } catch (BpfException again) {
        throw new BpfException(again.getMessage() + "; verifier: " + log.getString(0, logSize,
            StandardCharsets.US_ASCII).trim());
      }
    }
  }

  /** Map and program name, shown by bpftool: at most 15 characters. */
  private static void name(Pointer attr, int offset) {
    byte[] n = "fa_exit_cgroup".getBytes(StandardCharsets.US_ASCII);
    attr.put(offset, n, 0, n.length);
  }

  /**
   * The program. r10 is the frame pointer; the key (u32 thread id) sits at fp-4, the value (u64
   * cgroup id, u64 ktime) at fp-24.
   */
  static byte[] program(int mapFd) {
    ByteBuffer b = ByteBuffer.allocate(15 * 8).order(ByteOrder.LITTLE_ENDIAN);
    insn(b, 0x85, 0, 0, 0, 14);          // call bpf_get_current_pid_tgid
    insn(b, 0x63, 10, 0, -4, 0);         // *(u32 *)(fp - 4) = r0 (low half: the thread id)
    insn(b, 0x85, 0, 0, 0, 80);          // call bpf_get_current_cgroup_id
    insn(b, 0x7b, 10, 0, -24, 0);        // *(u64 *)(fp - 24) = r0
    insn(b, 0x85, 0, 0, 0, 5);           // call bpf_ktime_get_ns
    insn(b, 0x7b, 10, 0, -16, 0);        // *(u64 *)(fp - 16) = r0
    insn(b, 0x18, 1, 1, 0, mapFd);       // r1 = the map (ld_imm64 with BPF_PSEUDO_MAP_FD) ...
    insn(b, 0x00, 0, 0, 0, 0);           // ... its upper half
    insn(b, 0xbf, 2, 10, 0, 0);          // r2 = fp
    insn(b, 0x07, 2, 0, 0, -4);          // r2 += -4: &key
    insn(b, 0xbf, 3, 10, 0, 0);          // r3 = fp
    insn(b, 0x07, 3, 0, 0, -24);         // r3 += -24: &value
    insn(b, 0xb7, 4, 0, 0, 0);           // r4 = BPF_ANY
    insn(b, 0x85, 0, 0, 0, 2);           // call bpf_map_update_elem
    insn(b, 0xb7, 0, 0, 0, 0);           // r0 = 0
    ByteBuffer all = ByteBuffer.allocate(16 * 8).order(ByteOrder.LITTLE_ENDIAN).put(b.flip());
    insn(all, 0x95, 0, 0, 0, 0);         // exit
    return all.array();
  }

  private static void insn(ByteBuffer b, int code, int dst, int src, int off, int imm) {
    b.put((byte) code).put((byte) ((src << 4) | dst)).putShort((short) off).putInt(imm);
  }

  /**
   * Takes the entry of thread {@code tid}: fills {@code out} with its cgroup id and its
   * CLOCK_MONOTONIC time and returns true, or returns false when there is none (yet).
   */
  public boolean take(int tid, long[] out) throws BpfException {
    Slot s = slots.get();
    s.key.putInt(0, tid);
    if (lookupAndDelete) {
      long r = bpf.callOrErrno(Bpf.BPF_MAP_LOOKUP_AND_DELETE_ELEM, s.attr);
      if (r == -Errno.EINVAL || r == -ENOTSUPP || r == -Errno.EOPNOTSUPP) {
        lookupAndDelete = false; // before Linux 5.14 hash maps lack it: look up, then delete
      } else {
        return found(r, s, out);
      }
    }
    long r = bpf.callOrErrno(Bpf.BPF_MAP_LOOKUP_ELEM, s.attr);
    if (r >= 0) {
      bpf.callOrErrno(Bpf.BPF_MAP_DELETE_ELEM, s.attr);
    }
    return found(r, s, out);
  }

  private static boolean found(long r, Slot s, long[] out) throws BpfException {
    if (r == -Errno.ENOENT) {
      return false;
    }
    if (r < 0) {
      throw new BpfException("taking an exit's cgroup from the BPF map", (int) -r);
    }
    out[0] = s.value.getLong(0);
    out[1] = s.value.getLong(8);
    return true;
  }

  @Override
  public void close() {
    Bpf.close(linkFd);
    Bpf.close(progFd);
    Bpf.close(mapFd);
  }
}
