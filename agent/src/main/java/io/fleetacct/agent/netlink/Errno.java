package io.fleetacct.agent.netlink;

/** The errno values this agent reacts to, and symbolic names for messages. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EINVAL = 22;
  public static final int E2BIG = 7;
  public static final int ERANGE = 34;
  public static final int EPROTONOSUPPORT = 93;
  public static final int EOPNOTSUPP = 95;
  public static final int ENOBUFS = 105;
  public static final int ECONNREFUSED = 111;

  private Errno() {}

  /** "ENOBUFS", or "errno 42" for one we have no name for. */
  public static String name(int errno) {
    switch (errno) {
      case EPERM: return "EPERM";
      case ENOENT: return "ENOENT";
      case ESRCH: return "ESRCH";
      case EINTR: return "EINTR";
      case E2BIG: return "E2BIG";
      case EBADF: return "EBADF";
      case EAGAIN: return "EAGAIN";
      case ENOMEM: return "ENOMEM";
      case EACCES: return "EACCES";
      case EINVAL: return "EINVAL";
      case ERANGE: return "ERANGE";
      case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
      case EOPNOTSUPP: return "EOPNOTSUPP";
      case ENOBUFS: return "ENOBUFS";
      case ECONNREFUSED: return "ECONNREFUSED";
      default: return "errno " + errno;
    }
  }
}
