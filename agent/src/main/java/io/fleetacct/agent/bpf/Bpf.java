package io.fleetacct.agent.bpf;

import io.fleetacct.agent.netlink.LibC;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The few bpf(2) commands the agent needs, through the raw system call: no libbpf, no compiler.
 * Attribute layouts are those of {@code union bpf_attr} in include/uapi/linux/bpf.h; unused tail
 * bytes stay zero, as the kernel requires.
 */
final class Bpf {

  static final int BPF_MAP_CREATE = 0;
  static final int BPF_MAP_UPDATE_ELEM = 2;
  static final int BPF_MAP_DELETE_ELEM = 3;
  static final int BPF_MAP_LOOKUP_ELEM = 1;
  static final int BPF_PROG_LOAD = 5;
  static final int BPF_RAW_TRACEPOINT_OPEN = 17;
  static final int BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21;

  static final int BPF_MAP_TYPE_LRU_HASH = 9;
  static final int BPF_MAP_TYPE_RINGBUF = 27;
  static final int BPF_PROG_TYPE_RAW_TRACEPOINT = 17;

  private static final int ATTR_SIZE = 128;

  private final Runtime runtime;
  private final long number;

  private Bpf(Runtime runtime, long number) {
    this.runtime = runtime;
    this.number = number;
  }

  /** The system call for this machine's architecture, or an exception naming the architecture. */
  static Bpf forThisMachine() throws BpfException {
    String arch = System.getProperty("os.arch");
    long nr = switch (arch) {
      case "amd64", "x86_64" -> 321;
      case "aarch64" -> 280;
      default -> throw new BpfException("bpf(2) system call number unknown for architecture " + arch);
    };
    return new Bpf(LibC.runtime(), nr);
  }

  /** A zeroed attribute block to fill. */
  Pointer attr() {
    Pointer p = Memory.allocateDirect(runtime, ATTR_SIZE, true);
    return p;
  }

  Pointer memory(int bytes) {
    return Memory.allocateDirect(runtime, bytes, true);
  }

  /** Runs one command; returns its non-negative result or throws with the errno. */
  long call(int cmd, Pointer attr, String what) throws BpfException {
    long r = LibC.get().syscall(number, cmd, attr, ATTR_SIZE);
    if (r < 0) {
      throw new BpfException(what, LibC.errno());
    }
    return r;
  }

  /** As {@link #call}, but returns {@code -errno} instead of throwing: for the per-exit hot path. */
  long callOrErrno(int cmd, Pointer attr) {
    long r = LibC.get().syscall(number, cmd, attr, ATTR_SIZE);
    return r < 0 ? -LibC.errno() : r;
  }

  static void close(int fd) {
    if (fd >= 0) {
      LibC.get().close(fd);
    }
  }
}
