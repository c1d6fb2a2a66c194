package io.fleetacct.agent.bpf;

import io.fleetacct.agent.netlink.Errno;
import io.fleetacct.agent.netlink.LibC;

/** A failed bpf(2) command, naming what was attempted and the errno. */
public final class BpfException extends Exception {

  private final int errno;

  BpfException(String what, int errno) {
    super(what + " failed: " + Errno.name(errno) + " (" + LibC.get().strerror(errno) + ")");
    this.errno = errno;
  }

  BpfException(String message) {
    super(message);
    this.errno = 0;
  }

  public int errno() {
    return errno;
  }

  /** Whether it failed for want of privilege (CAP_BPF, CAP_PERFMON, or CAP_SYS_ADMIN before 5.8). */
  public boolean lacksPrivilege() {
    return errno == Errno.EPERM || errno == Errno.EACCES;
  }
}
