package io.fleetacct.agent.taskstats;

import io.fleetacct.agent.netlink.Netlink;
import io.fleetacct.agent.netlink.NetlinkWalk;
import java.nio.ByteBuffer;

/** struct cgroupstats: how many tasks of a cgroup are in each state. */
public record CgroupStats(long nrSleeping, long nrRunning, long nrStopped, long nrUninterruptible, long nrIoWait) {

  private static final int SIZE = 40;

  /** From a CGROUPSTATS_CMD_NEW reply, or null if it has no CGROUP_STATS attribute. */
  static CgroupStats decode(ByteBuffer reply) {
    NetlinkWalk a = NetlinkWalk.attributes(reply, Netlink.NLMSG_HDRLEN + Netlink.GENL_HDRLEN,
        Math.min(reply.limit(), reply.getInt(0)));
    try {
      while (a.next()) {
        if (a.type() == Taskstats.CGROUPSTATS_TYPE_CGROUP_STATS && a.payloadLength() >= SIZE) {
          int p = a.payload();
          return new CgroupStats(reply.getLong(p), reply.getLong(p + 8), reply.getLong(p + 16),
              reply.getLong(p + 24), reply.getLong(p + 32));
        }
      }
    } catch (NetlinkWalk.Malformed e) {
      return null;
    }
    return null;
  }
}
