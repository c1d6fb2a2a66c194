package io.fleetacct.agent.taskstats;

import io.fleetacct.agent.netlink.Netlink;
import java.nio.ByteBuffer;

/** struct cgroupstats: how many tasks of a cgroup are in each state. */
public record CgroupStats(long nrSleeping, long nrRunning, long nrStopped, long nrUninterruptible, long nrIoWait) {

  private static final int SIZE = 40;

  /** From a CGROUPSTATS_CMD_NEW reply, or null if it has no CGROUP_STATS attribute. */
  static CgroupStats decode(ByteBuffer reply) {
    int a = Netlink.NLMSG_HDRLEN + Netlink.GENL_HDRLEN;
    int end = Math.min(reply.limit(), reply.getInt(0));
    while (a + Netlink.NLA_HDRLEN <= end) {
      int len = reply.getShort(a) & 0xffff;
      int type = reply.getShort(a + 2) & Netlink.NLA_TYPE_MASK;
      if (len < Netlink.NLA_HDRLEN || a + len > end) {
        return null;
      }
      if (type == Taskstats.CGROUPSTATS_TYPE_CGROUP_STATS && len >= Netlink.NLA_HDRLEN + SIZE) {
        int p = a + Netlink.NLA_HDRLEN;
        return new CgroupStats(reply.getLong(p), reply.getLong(p + 8), reply.getLong(p + 16),
            reply.getLong(p + 24), reply.getLong(p + 32));
      }
      a += Netlink.align4(len);
    }
    return null;
  }
}
