package io.fleetacct.agent.taskstats;

/** Constants of the taskstats generic netlink family (include/uapi/linux/taskstats.h). */
public final class Taskstats {
  public static final String FAMILY_NAME = "TASKSTATS";
  public static final int GENL_VERSION = 1;

  public static final int CMD_GET = 1;
  public static final int CMD_NEW = 2;

  public static final int TYPE_PID = 1;
  public static final int TYPE_TGID = 2;
  public static final int TYPE_STATS = 3;
  public static final int TYPE_AGGR_PID = 4;
  public static final int TYPE_AGGR_TGID = 5;
  /** Padding the kernel adds for 8-byte alignment on some architectures; carries nothing. */
  public static final int TYPE_NULL = 6;

  public static final int CMD_ATTR_PID = 1;
  public static final int CMD_ATTR_TGID = 2;
  public static final int CMD_ATTR_REGISTER_CPUMASK = 3;
  public static final int CMD_ATTR_DEREGISTER_CPUMASK = 4;

  public static final int CGROUPSTATS_CMD_GET = 4;
  public static final int CGROUPSTATS_CMD_NEW = 5;
  public static final int CGROUPSTATS_TYPE_CGROUP_STATS = 1;
  public static final int CGROUPSTATS_CMD_ATTR_FD = 1;

  /** Newest struct version whose layout this decoder knows. */
  public static final int NEWEST_KNOWN_VERSION = 17;

  private Taskstats() {}
}
