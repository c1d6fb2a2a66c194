package io.fleetacct.agent.bpf;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.netlink.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * The kernel's own answer to "which cgroup did this thread exit in, and in which program": a BPF
 * program on the {@code sched_process_exit} raw tracepoint, which runs in the exiting task right
 * after taskstats_exit (kernel/exit.c) and before cgroup_exit, and stores thread id → (cgroup v2
 * id, CLOCK_MONOTONIC ns, the thread-group leader's comm, its own comm) in an LRU hash map. The
 * leader's comm is
 * read through {@code current->group_leader->comm}, at offsets from the kernel's BTF
 * ({@link TaskLayout}); without BTF it is left empty. The agent takes (looks up and deletes) the
 * entry of each exit it decodes. The netlink message is queued before the program runs (exit_mm
 * comes between), so an entry may appear a little after its message: callers retry. A thread id can
 * exit twice within milliseconds (a thread that execs takes its leader's id, and the new program
 * may end at once), so an entry whose own comm is not the exit's is a later task's: it is put back.
 *
 * <p>36 instructions (23 without BTF), assembled here; no compiler, no libbpf, nothing pinned:
 * closing the descriptors (or the process dying) detaches and frees everything.
 */
public final class ExitCgroupProbe implements AutoCloseable {

  /** Entries of the map: exits not yet taken; an LRU map forgets the oldest when full. */
  public static final int DEFAULT_ENTRIES = 65_536;
  private static final int KEY_SIZE = 4;
  private static final int VALUE_SIZE = 48; // u64 cgroup id, u64 ktime_get_ns, char leader_comm[16], char comm[16]
  private static final int BPF_NOEXIST = 1;
  /** TASK_COMM_LEN: comm is at most 15 characters and a NUL. */
  public static final int COMM_LEN = 16;
  private static final int BPF_FUNC_PROBE_READ = 4;
  private static final int BPF_FUNC_GET_CURRENT_COMM = 16;
  private static final int BPF_FUNC_GET_CURRENT_TASK = 35;
  private static final int BPF_FUNC_PROBE_READ_KERNEL = 113;

  /**
   * Where {@code group_leader} and {@code comm} sit in this kernel's {@code struct task_struct}.
   */
  public record TaskLayout(int groupLeader, int comm) {

    /** The running kernel's layout, or null when it publishes no BTF (then commands are not read). */
    public static TaskLayout ofRunningKernel(HostRoot root) {
      try {
        var found = KernelBtf.offsets(root.vmlinuxBtf(), "task_struct", List.of("group_leader", "comm"));
        return found.size() == 2 ? new TaskLayout(found.get("group_leader"), found.get("comm")) : null;
      } catch (java.io.IOException | RuntimeException e) {
        return null;
      }
    }
  }

  private static final int ENOTSUPP = 524; // kernel-internal, returned by maps without the command

  private final Bpf bpf;
  private final int mapFd;
  private final int progFd;
  private final int linkFd;
  private final boolean readsComm;
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

  private ExitCgroupProbe(Bpf bpf, int mapFd, int progFd, int linkFd, boolean readsComm) {
    this.bpf = bpf;
    this.mapFd = mapFd;
    this.progFd = progFd;
    this.linkFd = linkFd;
    this.readsComm = readsComm;
    this.slots = ThreadLocal.withInitial(Slot::new);
  }

  /**
   * Creates the map, loads the program and attaches it. Throws with the errno when the kernel
   * refuses (EPERM: CAP_BPF and CAP_PERFMON missing, or CAP_SYS_ADMIN before Linux 5.8).
   *
   * @param layout where to find the leader's comm, or null to leave it empty
   */
  public static ExitCgroupProbe attach(int entries, TaskLayout layout) throws BpfException {
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
      prog = load(bpf, map, layout);
      Pointer tp = bpf.memory(32);
      byte[] tpName = "sched_process_exit\0".getBytes(StandardCharsets.US_ASCII);
      tp.put(0, tpName, 0, tpName.length);
      Pointer o = bpf.attr();
      o.putLong(0, tp.address());
      o.putInt(8, prog);
      int link = (int) bpf.call(Bpf.BPF_RAW_TRACEPOINT_OPEN, o, "BPF_RAW_TRACEPOINT_OPEN sched_process_exit");
      return new ExitCgroupProbe(bpf, map, prog, link, layout != null);
    } catch (BpfException | RuntimeException e) {
      Bpf.close(prog);
      Bpf.close(map);
      throw e;
    }
  }

  /** Loads with bpf_probe_read_kernel (Linux 5.5), else with the older bpf_probe_read. */
  private static int load(Bpf bpf, int map, TaskLayout layout) throws BpfException {
    if (layout == null) {
      return load(bpf, program(map, null, 0));
    }
    try {
      return load(bpf, program(map, layout, BPF_FUNC_PROBE_READ_KERNEL));
    } catch (BpfException e) {
      if (e.lacksPrivilege()) {
        throw e;
      }
      return load(bpf, program(map, layout, BPF_FUNC_PROBE_READ));
    }
  }

  private static int load(Bpf bpf, byte[] code) throws BpfException {
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
   * cgroup id, u64 ktime, char leader_comm[16], char comm[16]) at fp-56, the leader's task pointer
   * at fp-64 while read.
   *
   * @param layout null: comm stays zero
   * @param probeRead the helper that reads kernel memory (bpf_probe_read_kernel or bpf_probe_read)
   */
  static byte[] program(int mapFd, TaskLayout layout, int probeRead) {
    ByteBuffer b = ByteBuffer.allocate(48 * 8).order(ByteOrder.LITTLE_ENDIAN);
    insn(b, 0x85, 0, 0, 0, 14);          // call bpf_get_current_pid_tgid
    insn(b, 0x63, 10, 0, -4, 0);         // *(u32 *)(fp - 4) = r0 (low half: the thread id)
    insn(b, 0x85, 0, 0, 0, 80);          // call bpf_get_current_cgroup_id
    insn(b, 0x7b, 10, 0, -56, 0);        // *(u64 *)(fp - 56) = r0
    insn(b, 0x85, 0, 0, 0, 5);           // call bpf_ktime_get_ns
    insn(b, 0x7b, 10, 0, -48, 0);        // *(u64 *)(fp - 48) = r0
    insn(b, 0xb7, 1, 0, 0, 0);           // r1 = 0
    insn(b, 0x7b, 10, 1, -40, 0);        // leader_comm = 0 (the map takes an initialized value) ...
    insn(b, 0x7b, 10, 1, -32, 0);        // ... both halves
    insn(b, 0xbf, 1, 10, 0, 0);          // r1 = fp
    insn(b, 0x07, 1, 0, 0, -24);         // r1 += -24: comm
    insn(b, 0xb7, 2, 0, 0, COMM_LEN);    // r2 = 16
    insn(b, 0x85, 0, 0, 0, BPF_FUNC_GET_CURRENT_COMM);
    if (layout != null) {
      insn(b, 0x85, 0, 0, 0, BPF_FUNC_GET_CURRENT_TASK);
      insn(b, 0xbf, 3, 0, 0, 0);         // r3 = current
      insn(b, 0x07, 3, 0, 0, layout.groupLeader()); // r3 = &current->group_leader
      insn(b, 0xbf, 1, 10, 0, 0);        // r1 = fp
      insn(b, 0x07, 1, 0, 0, -64);       // r1 += -64
      insn(b, 0xb7, 2, 0, 0, 8);         // r2 = 8
      insn(b, 0x85, 0, 0, 0, probeRead); // *(fp - 64) = current->group_leader
      insn(b, 0x79, 3, 10, -64, 0);      // r3 = *(u64 *)(fp - 64)
      insn(b, 0x07, 3, 0, 0, layout.comm()); // r3 = &leader->comm
      insn(b, 0xbf, 1, 10, 0, 0);        // r1 = fp
      insn(b, 0x07, 1, 0, 0, -40);       // r1 += -40: leader_comm
      insn(b, 0xb7, 2, 0, 0, COMM_LEN);  // r2 = 16
      insn(b, 0x85, 0, 0, 0, probeRead); // leader_comm = leader->comm (zeroed if the read fails)
    }
    insn(b, 0x18, 1, 1, 0, mapFd);       // r1 = the map (ld_imm64 with BPF_PSEUDO_MAP_FD) ...
    insn(b, 0x00, 0, 0, 0, 0);           // ... its upper half
    insn(b, 0xbf, 2, 10, 0, 0);          // r2 = fp
    insn(b, 0x07, 2, 0, 0, -4);          // r2 += -4: &key
    insn(b, 0xbf, 3, 10, 0, 0);          // r3 = fp
    insn(b, 0x07, 3, 0, 0, -56);         // r3 += -56: &value
    insn(b, 0xb7, 4, 0, 0, 0);           // r4 = BPF_ANY
    insn(b, 0x85, 0, 0, 0, 2);           // call bpf_map_update_elem
    insn(b, 0xb7, 0, 0, 0, 0);           // r0 = 0
    insn(b, 0x95, 0, 0, 0, 0);           // exit
    byte[] code = new byte[b.position()];
    b.flip().get(code);
    return code;
  }

  private static void insn(ByteBuffer b, int code, int dst, int src, int off, int imm) {
    b.put((byte) code).put((byte) ((src << 4) | dst)).putShort((short) off).putInt(imm);
  }

  /** Whether entries carry the leader's comm (the kernel publishes BTF). */
  public boolean readsComm() {
    return readsComm;
  }

  /**
   * Takes the entry of thread {@code tid} named {@code comm} (its ac_comm): fills {@code out} with
   * its cgroup id and its CLOCK_MONOTONIC time and {@code leaderComm} with the leader's comm
   * (NUL-padded), and returns true, or returns false when there is none (yet). An entry under
   * another name is a later task's with the same id: it is put back, and this exit has none.
   */
  public boolean take(int tid, String comm, long[] out, byte[] leaderComm) throws BpfException {
    Slot s = slots.get();
    s.key.putInt(0, tid);
    long r;
    if (lookupAndDelete) {
      r = bpf.callOrErrno(Bpf.BPF_MAP_LOOKUP_AND_DELETE_ELEM, s.attr);
      if (r == -Errno.EINVAL || r == -ENOTSUPP || r == -Errno.EOPNOTSUPP) {
        lookupAndDelete = false; // before Linux 5.14 hash maps lack it: look up, then delete
        r = lookupThenDelete(s);
      }
    } else {
      r = lookupThenDelete(s);
    }
    if (r == -Errno.ENOENT) {
      return false;
    }
    if (r < 0) {
      throw new BpfException("taking an exit's cgroup from the BPF map", (int) -r);
    }
    if (!sameComm(s.value, comm)) {
      s.attr.putLong(24, BPF_NOEXIST); // an entry written meanwhile is newer still: keep it
      bpf.callOrErrno(Bpf.BPF_MAP_UPDATE_ELEM, s.attr);
      s.attr.putLong(24, 0);
      return false;
    }
    out[0] = s.value.getLong(0);
    out[1] = s.value.getLong(8);
    s.value.get(16, leaderComm, 0, COMM_LEN);
    return true;
  }

  private long lookupThenDelete(Slot s) {
    long r = bpf.callOrErrno(Bpf.BPF_MAP_LOOKUP_ELEM, s.attr);
    if (r >= 0) {
      bpf.callOrErrno(Bpf.BPF_MAP_DELETE_ELEM, s.attr);
    }
    return r;
  }

  /** Whether the entry's own comm is {@code comm} (ASCII compared byte by byte: no String made). */
  private static boolean sameComm(Pointer value, String comm) {
    int n = Math.min(comm.length(), COMM_LEN - 1);
    for (int i = 0; i < n; i++) {
      if (value.getByte(32 + i) != (byte) comm.charAt(i)) {
        return comm.charAt(i) > 0x7f; // a non-ASCII name is not compared
      }
    }
    return value.getByte(32 + n) == 0;
  }

  @Override
  public void close() {
    Bpf.close(linkFd);
    Bpf.close(progFd);
    Bpf.close(mapFd);
  }
}
