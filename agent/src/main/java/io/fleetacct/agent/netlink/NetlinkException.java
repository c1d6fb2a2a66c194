package io.fleetacct.agent.netlink;

/** A failed system call or a negative netlink acknowledgement, naming the call and the errno. */
public class NetlinkException extends Exception {
  private final int errno;

  public NetlinkException(String call, int errno) {
    super(call + " failed: " + Errno.name(errno) + " (" + describe(errno) + ")");
    this.errno = errno;
  }

  public NetlinkException(String message) {
    super(message);
    this.errno = 0;
  }

  public int errno() {
    return errno;
  }

  private static String describe(int errno) {
    try {
      return LibC.get().strerror(errno);
    } catch (RuntimeException | LinkageError e) {
      return "no description";
    }
  }
}
