package io.fleetacct.agent.bpf;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.netlink.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * The kernel's own answer to "which cgroup did this thread exit in, and in which program": a BPF
 * program on the {@code sched_process_exit} raw tracepoint, which runs in the exiting task right
 * after taskstats_exit (kernel/exit.c) and before cgroup_exit, and records the thread id, its cgroup
 * v2 id, the CLOCK_MONOTONIC time, the thread-group leader's comm and its own comm. The leader's
 * comm is read through {@code current->group_leader->comm}, at offsets from the kernel's BTF
 * ({@link TaskLayout}); without BTF it is left empty.
 *
 * <p>The records reach the agent through a ring buffer ({@link Transport#RING}, Linux 5.8): the
 * agent reads what was written whenever an exit finds no entry yet, into a table by thread id
 * ({@link PendingEntries}), so that an exit costs no system call. Where the kernel has no ring
 * buffer, an LRU hash map keyed by thread id ({@link Transport#MAP}): the agent takes (looks up and
 * deletes) each exit's entry with one bpf(2) call. Either way the netlink message is queued before
 * the program runs (exit_mm comes between), so an entry may appear a little after its message:
 * callers retry. A thread id can exit twice within milliseconds (a thread that execs takes its
 * leader's id, and the new program may end at once), so an entry whose own comm is not the exit's
 * is a later task's: it stays for that task.
 *
 * <p>38 instructions (25 without BTF), assembled here; no compiler, no libbpf, nothing pinned:
 * closing the descriptors (or the process dying) detaches and frees everything.
 */
public final class ExitCgroupProbe implements AutoCloseable {

  /** Entries of the LRU hash map: exits not yet taken; it forgets the oldest when full. */
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
  private static final int BPF_FUNC_RINGBUF_OUTPUT = 130;
  private static final int BPF_RB_NO_WAKEUP = 1;
  /** The ring buffer's data: 4,096 records of 64 bytes, read at every receive batch. */
  static final int RING_BYTES = 256 * 1024;
  /** Entries read from the ring whose exits have not come yet. */
  private static final int PENDING_CAPACITY = 16_384;
  /** Pending entries older than this are swept when the table fills: their exits are not coming. */
  private static final long PENDING_MAX_AGE_NANOS = 10_000_000_000L;
  private static final int RECORD_SIZE = 56; // u64 tid, then the map's value

  /**
   * How entries reach the agent: a ring buffer it reads without a system call (Linux 5.8), or an
   * LRU hash map it takes one key at a time (one bpf(2) call per exit), the fallback.
   */
  public enum Transport { RING, MAP }

  /**
   * Where {@code group_leader} and {@code comm} sit in this kernel's {@code struct task_struct}.
   */
  public record TaskLayout(int groupLeader, int comm) {

    /** The file in the agent's state directory that remembers the layout of the kernel build last seen. */
    static final String CACHE_FILE = "task-layout";

    /** The running kernel's layout, or null when it publishes no BTF (then commands are not read). */
    public static TaskLayout ofRunningKernel(HostRoot root) {
      try {
        var found = KernelBtf.offsets(root.vmlinuxBtf(), "task_struct", List.of("group_leader", "comm"));
        return found.size() == 2 ? new TaskLayout(found.get("group_leader"), found.get("comm")) : null;
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    /**
     * As {@link #ofRunningKernel(HostRoot)}, remembered in {@code stateDir} (null: not remembered)
     * for the kernel build that /proc/version and the BTF's size name: reading the 5 MiB of BTF takes
     * 140 ms of a start on an idle machine (0.6 s under load), and a build's layout never changes.
     */
    public static TaskLayout ofRunningKernel(HostRoot root, Path stateDir) {
      Path cache = stateDir == null ? null : stateDir.resolve(CACHE_FILE);
      String build;
      try {
        build = Files.readString(root.kernelVersion()).strip() + " / BTF of " + Files.size(root.vmlinuxBtf())
            + " bytes";
      } catch (IOException e) {
        return ofRunningKernel(root); // no BTF (or no /proc/version): nothing to remember
      }
      try {
        List<String> lines = cache == null || !Files.isRegularFile(cache) ? List.of() : Files.readAllLines(cache);
        if (lines.size() == 2 && lines.get(0).equals(build)) {
          String[] offsets = lines.get(1).split(" ");
          return new TaskLayout(Integer.parseInt(offsets[0]), Integer.parseInt(offsets[1]));
        }
      } catch (IOException | RuntimeException e) {
        // unreadable or not ours: read the BTF, and write it anew
      }
      TaskLayout layout = ofRunningKernel(root);
      if (layout != null && cache != null) {
        try {
          Files.createDirectories(stateDir);
          Path tmp = Files.createTempFile(stateDir, CACHE_FILE, ".tmp");
          Files.writeString(tmp, build + "\n" + layout.groupLeader() + " " + layout.comm() + "\n");
          Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          // remembered next time, perhaps: the layout is right either way
        }
      }
      return layout;
    }
  }

  private static final int ENOTSUPP = 524; // kernel-internal, returned by maps without the command

  private final Bpf bpf;
  private final int mapFd;
  private final int progFd;
  private final int linkFd;
  private final boolean readsComm;
  private final Transport transport;
  private final ThreadLocal<Slot> slots;
  private volatile boolean lookupAndDelete = true;
  // RING: the mapped buffer and what was read from it, guarded by pending
  private final RingBuffer ring;
  private final PendingEntries pending;
  private final RingBuffer.Records toPending = this::pend;
  private long lostEntries;

  /** One thread's attribute block, key and value, built once: taking an entry allocates nothing. */
  private final class Slot {
    final Pointer attr = bpf.attr();
    final Pointer key = bpf.memory(KEY_SIZE);
    final Pointer value = bpf.memory(VALUE_SIZE);
    final byte[] comm = new byte[COMM_LEN];

    Slot() {
      attr.putInt(0, mapFd);
      attr.putLong(8, key.address());
      attr.putLong(16, value.address());
    }
  }

  private ExitCgroupProbe(Bpf bpf, int mapFd, int progFd, int linkFd, boolean readsComm, RingBuffer ring) {
    this.bpf = bpf;
    this.mapFd = mapFd;
    this.progFd = progFd;
    this.linkFd = linkFd;
    this.readsComm = readsComm;
    this.transport = ring != null ? Transport.RING : Transport.MAP;
    this.slots = ThreadLocal.withInitial(Slot::new);
    this.ring = ring;
    this.pending = ring != null ? new PendingEntries(PENDING_CAPACITY) : null;
  }

  /**
   * Creates the map, loads the program and attaches it: with a ring buffer where the kernel has
   * one, else with the LRU hash map. Throws with the errno when the kernel refuses (EPERM:
   * CAP_BPF and CAP_PERFMON missing, or CAP_SYS_ADMIN before Linux 5.8).
   *
   * @param entries entries of the LRU hash map, where it is used
   * @param layout where to find the leader's comm, or null to leave it empty
   */
  public static ExitCgroupProbe attach(int entries, TaskLayout layout) throws BpfException {
    try {
      return attach(entries, layout, Transport.RING);
    } catch (BpfException e) {
      if (e.lacksPrivilege()) {
        throw e;
      }
      return attach(entries, layout, Transport.MAP); // before Linux 5.8: no ring buffer maps
    }
  }

  /** As {@link #attach(int, TaskLayout)}, over the transport given. */
  public static ExitCgroupProbe attach(int entries, TaskLayout layout, Transport transport) throws BpfException {
    Bpf bpf = Bpf.forThisMachine();
    int map = -1;
    int prog = -1;
    RingBuffer ring = null;
    try {
      Pointer a = bpf.attr();
      if (transport == Transport.RING) {
        a.putInt(0, Bpf.BPF_MAP_TYPE_RINGBUF);
        a.putInt(12, RING_BYTES);
      } else {
        a.putInt(0, Bpf.BPF_MAP_TYPE_LRU_HASH);
        a.putInt(4, KEY_SIZE);
        a.putInt(8, VALUE_SIZE);
        a.putInt(12, entries);
      }
      name(a, 28);
      map = (int) bpf.call(Bpf.BPF_MAP_CREATE, a, "BPF_MAP_CREATE (" + (transport == Transport.RING
          ? "ring buffer" : "LRU hash") + ")");
      if (transport == Transport.RING) {
        ring = RingBuffer.map(map, RING_BYTES);
      }
      prog = load(bpf, map, layout, transport);
      Pointer tp = bpf.memory(32);
      byte[] tpName = "sched_process_exit\0".getBytes(StandardCharsets.US_ASCII);
      tp.put(0, tpName, 0, tpName.length);
      Pointer o = bpf.attr();
      o.putLong(0, tp.address());
      o.putInt(8, prog);
      int link = (int) bpf.call(Bpf.BPF_RAW_TRACEPOINT_OPEN, o, "BPF_RAW_TRACEPOINT_OPEN sched_process_exit");
      return new ExitCgroupProbe(bpf, map, prog, link, layout != null, ring);
    } catch (BpfException | RuntimeException e) {
      if (ring != null) {
        ring.close();
      }
      Bpf.close(prog);
      Bpf.close(map);
      throw e;
    }
  }

  /** Loads with bpf_probe_read_kernel (Linux 5.5), else with the older bpf_probe_read. */
  private static int load(Bpf bpf, int map, TaskLayout layout, Transport transport) throws BpfException {
    if (layout == null) {
      return load(bpf, program(map, null, 0, transport));
    }
    try {
      return load(bpf, program(map, layout, BPF_FUNC_PROBE_READ_KERNEL, transport));
    } catch (BpfException e) {
      if (e.lacksPrivilege()) {
        throw e;
      }
      return load(bpf, program(map, layout, BPF_FUNC_PROBE_READ, transport));
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
   * The program. r10 is the frame pointer; the record sits at fp-64: the thread id (u64, its low
   * half the map's u32 key), then the map's value (u64 cgroup id, u64 ktime, char leader_comm[16],
   * char comm[16]) from fp-56; the leader's task pointer at fp-72 while read. The map transport
   * stores the value under the key; the ring transport appends the whole record, without waking
   * any reader (the agent reads at its own pace).
   *
   * @param layout null: comm stays zero
   * @param probeRead the helper that reads kernel memory (bpf_probe_read_kernel or bpf_probe_read)
   */
  static byte[] program(int mapFd, TaskLayout layout, int probeRead, Transport transport) {
    ByteBuffer b = ByteBuffer.allocate(48 * 8).order(ByteOrder.LITTLE_ENDIAN);
    insn(b, 0x85, 0, 0, 0, 14);          // call bpf_get_current_pid_tgid
    insn(b, 0x67, 0, 0, 0, 32);          // r0 <<= 32
    insn(b, 0x77, 0, 0, 0, 32);          // r0 >>= 32: the thread id (low half)
    insn(b, 0x7b, 10, 0, -64, 0);        // *(u64 *)(fp - 64) = r0
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
      insn(b, 0x07, 1, 0, 0, -72);       // r1 += -72
      insn(b, 0xb7, 2, 0, 0, 8);         // r2 = 8
      insn(b, 0x85, 0, 0, 0, probeRead); // *(fp - 72) = current->group_leader
      insn(b, 0x79, 3, 10, -72, 0);      // r3 = *(u64 *)(fp - 72)
      insn(b, 0x07, 3, 0, 0, layout.comm()); // r3 = &leader->comm
      insn(b, 0xbf, 1, 10, 0, 0);        // r1 = fp
      insn(b, 0x07, 1, 0, 0, -40);       // r1 += -40: leader_comm
      insn(b, 0xb7, 2, 0, 0, COMM_LEN);  // r2 = 16
      insn(b, 0x85, 0, 0, 0, probeRead); // leader_comm = leader->comm (zeroed if the read fails)
    }
    insn(b, 0x18, 1, 1, 0, mapFd);       // r1 = the map (ld_imm64 with BPF_PSEUDO_MAP_FD) ...
    insn(b, 0x00, 0, 0, 0, 0);           // ... its upper half
    insn(b, 0xbf, 2, 10, 0, 0);          // r2 = fp
    insn(b, 0x07, 2, 0, 0, -64);         // r2 += -64: &key, the record
    if (transport == Transport.RING) {
      insn(b, 0xb7, 3, 0, 0, RECORD_SIZE); // r3 = 56
      insn(b, 0xb7, 4, 0, 0, BPF_RB_NO_WAKEUP);
      insn(b, 0x85, 0, 0, 0, BPF_FUNC_RINGBUF_OUTPUT);
    } else {
      insn(b, 0xbf, 3, 10, 0, 0);        // r3 = fp
      insn(b, 0x07, 3, 0, 0, -56);       // r3 += -56: &value
      insn(b, 0xb7, 4, 0, 0, 0);         // r4 = BPF_ANY
      insn(b, 0x85, 0, 0, 0, 2);         // call bpf_map_update_elem
    }
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

  /** How entries reach the agent. */
  public Transport transport() {
    return transport;
  }

  /**
   * Entries read from the ring buffer that found no room (a table full of entries younger than
   * {@link #PENDING_MAX_AGE_NANOS} whose exits never came): their exits wait, then fall back to /proc.
   */
  public long lostEntries() {
    synchronized (pending == null ? this : pending) {
      return lostEntries;
    }
  }

  /**
   * Takes the entry of thread {@code tid} named {@code comm} (its ac_comm): fills {@code out} with
   * its cgroup id and its CLOCK_MONOTONIC time and {@code leaderComm} with the leader's comm
   * (NUL-padded), and returns true, or returns false when there is none (yet). An entry under
   * another name is a later task's with the same id: it stays, and this exit has none.
   */
  public boolean take(int tid, String comm, long[] out, byte[] leaderComm) throws BpfException {
    if (transport == Transport.RING) {
      synchronized (pending) {
        if (pending.take(tid, comm, out, leaderComm)) {
          return true;
        }
        ring.drain(toPending); // what the program wrote since the last exit that missed
        return pending.take(tid, comm, out, leaderComm);
      }
    }
    return takeFromMap(tid, comm, out, leaderComm);
  }

  /** A record of the ring into the pending table (called under its lock). */
  private void pend(Pointer memory, long offset, int length) {
    if (length < RECORD_SIZE) {
      return; // not the program's
    }
    if (!pending.hasRoom()) {
      pending.sweep(System.nanoTime() - PENDING_MAX_AGE_NANOS);
      if (!pending.hasRoom()) {
        lostEntries++;
        return;
      }
    }
    pending.put(memory.getInt(offset), memory.getLong(offset + 8), memory.getLong(offset + 16), memory,
        offset + 24, offset + 40);
  }

  private boolean takeFromMap(int tid, String comm, long[] out, byte[] leaderComm) throws BpfException {
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
    s.value.get(32, s.comm, 0, COMM_LEN);
    if (!sameComm(s.comm, 0, comm)) {
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

  /**
   * Whether the NUL-padded comm at {@code off} of {@code b} is {@code comm} (ASCII compared byte by
   * byte: no String made; a non-ASCII name is not compared).
   */
  static boolean sameComm(byte[] b, int off, String comm) {
    int n = Math.min(comm.length(), COMM_LEN - 1);
    for (int i = 0; i < n; i++) {
      if (b[off + i] != (byte) comm.charAt(i)) {
        return comm.charAt(i) > 0x7f;
      }
    }
    return b[off + n] == 0;
  }

  @Override
  public void close() {
    Bpf.close(linkFd);
    if (ring != null) {
      ring.close();
    }
    Bpf.close(progFd);
    Bpf.close(mapFd);
  }
}
