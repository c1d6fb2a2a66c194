package io.fleetacct.agent.taskstats;

import io.fleetacct.agent.netlink.Errno;
import io.fleetacct.agent.netlink.GenericNetlink;
import io.fleetacct.agent.netlink.LibC;
import io.fleetacct.agent.netlink.Netlink;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.netlink.NetlinkSocket;
import io.fleetacct.schema.TaskStats;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/** One-off taskstats requests: family lookup, PID and TGID queries, cgroupstats. */
public final class TaskstatsClient implements AutoCloseable {

  private static final int O_RDONLY = 0;
  private static final int O_DIRECTORY = 0200000;

  private final NetlinkSocket socket;
  private final GenericNetlink genl;
  private final int familyId;

  private TaskstatsClient() throws NetlinkException {
    socket = NetlinkSocket.open(NetlinkSocket.NETLINK_GENERIC, 0);
    try {
      socket.setReceiveTimeout(Duration.ofMillis(500));
      genl = new GenericNetlink(socket, NetlinkSocket.direct(64 * 1024));
      familyId = genl.resolveFamily(Taskstats.FAMILY_NAME);
    } catch (NetlinkException e) {
      socket.close();
      throw e;
    }
  }

  public static TaskstatsClient open() throws NetlinkException {
    return new TaskstatsClient();
  }

  /** The TASKSTATS generic netlink family id of this boot. */
  public static int resolveFamily() throws NetlinkException {
    try (TaskstatsClient c = open()) {
      return c.familyId;
    }
  }

  public int familyId() {
    return familyId;
  }

  /** A live (or zombie) thread's statistics so far; needs CAP_NET_ADMIN. */
  public TaskStats queryPid(long pid) throws NetlinkException {
    return found(query(Taskstats.CMD_ATTR_PID, pid, "pid"), "pid", pid);
  }

  /** As {@link #queryPid}, but null where there is no such thread (it exited meanwhile). */
  public TaskStats queryPidIfAlive(long pid) throws NetlinkException {
    return query(Taskstats.CMD_ATTR_PID, pid, "pid");
  }

  /** A thread group's statistics: its exited threads plus the live ones; needs CAP_NET_ADMIN. */
  public TaskStats queryTgid(long tgid) throws NetlinkException {
    return found(query(Taskstats.CMD_ATTR_TGID, tgid, "tgid"), "tgid", tgid);
  }

  private static TaskStats found(TaskStats stats, String what, long id) throws NetlinkException {
    if (stats == null) {
      throw new NetlinkException(what + " " + id + ": no such process");
    }
    return stats;
  }

  /** The reply, or null for ESRCH. */
  private TaskStats query(int attr, long id, String what) throws NetlinkException {
    ByteBuffer req = Netlink.Request.genl(familyId, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, genl.nextSeq(),
        socket.portId(), Taskstats.CMD_GET, Taskstats.GENL_VERSION).attrU32(attr, (int) id).build();
    List<ByteBuffer> replies;
    try {
      replies = genl.request(req, "TASKSTATS_CMD_GET " + what + " " + id, null);
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ESRCH) {
        return null;
      }
      throw explain(e, "query " + what + " " + id);
    }
    TaskstatsDecoder decoder = new TaskstatsDecoder(familyId);
    for (ByteBuffer reply : replies) {
      try {
        return decoder.decodeReply(reply, 0, reply.limit());
      } catch (MalformedMessageException e) {
        throw new NetlinkException("malformed reply to " + what + " " + id + ": " + e.getMessage());
      }
    }
    throw new NetlinkException("no reply to " + what + " " + id);
  }

  /** Task counts by state of one cgroup (cgroup v1 hierarchies only: the kernel refuses cgroup2). */
  public CgroupStats cgroupstats(String cgroupDir) throws NetlinkException {
    LibC libc = LibC.get();
    int fd = libc.open(cgroupDir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
      throw new NetlinkException("open(" + cgroupDir + ")", LibC.errno());
    }
    try {
      ByteBuffer req = Netlink.Request.genl(familyId, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, genl.nextSeq(),
          socket.portId(), Taskstats.CGROUPSTATS_CMD_GET, Taskstats.GENL_VERSION)
          .attrU32(Taskstats.CGROUPSTATS_CMD_ATTR_FD, fd).build();
      List<ByteBuffer> replies = genl.request(req, "CGROUPSTATS_CMD_GET " + cgroupDir, null);
      for (ByteBuffer r : replies) {
        CgroupStats stats = CgroupStats.decode(r);
        if (stats != null) {
          return stats;
        }
      }
      throw new NetlinkException("no cgroupstats in the reply for " + cgroupDir);
    } finally {
      libc.close(fd);
    }
  }

  /** Turns registration and query errors into what the operator must change. */
  static NetlinkException explain(NetlinkException e, String what) {
    String fix = switch (e.errno()) {
      case Errno.EPERM -> "needs CAP_NET_ADMIN in the initial user namespace: run as root (in Kubernetes:"
          + " capabilities add NET_ADMIN, no user namespace)";
      case Errno.EINVAL -> "the kernel refused it; registering from outside the initial PID namespace gives"
          + " EINVAL (in Kubernetes: hostPID: true)";
      case Errno.ERANGE -> "a CPU in the list is beyond the kernel's possible CPUs"
          + " (/sys/devices/system/cpu/possible)";
      default -> null;
    };
    return fix == null ? e : new NetlinkException(what + ": " + e.getMessage() + "; " + fix);
  }

  @Override
  public void close() {
    socket.close();
  }
}
