package io.fleetacct.agent.taskstats;

import io.fleetacct.agent.netlink.Netlink;
import io.fleetacct.agent.netlink.NetlinkWalk;
import io.fleetacct.agent.taskstats.MalformedMessageException.Reason;
import io.fleetacct.schema.KernelTimespec;
import io.fleetacct.schema.TaskStats;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Decodes taskstats exit notifications (TASKSTATS_CMD_NEW) into {@link ExitNotification}s.
 *
 * <p>Nothing in the message is trusted: every length is checked against its container before a
 * byte is read, and anything malformed is refused with a {@link MalformedMessageException} naming
 * a counted {@link Reason}. No other exception escapes and no read leaves the message.
 *
 * <p>struct taskstats is decoded by the STATS attribute's length and its {@code version}
 * (docs/taskstats.md): version 1 has its own layout; versions 2 to 14, 16 and 17 are
 * prefixes of one append-only layout, so a field is read when the struct is long enough to hold
 * it; version 15 inserted fields mid-struct (an ABI break fixed by 16) and is refused; a version
 * newer than 17 decodes the known prefix and is flagged. Fields a struct lacks are 0.
 *
 * <p>Not thread-safe: one decoder per receive thread (it reuses a scratch buffer).
 */
public final class TaskstatsDecoder {

  private static final int GENL_CMD_OFFSET = Netlink.NLMSG_HDRLEN;
  private static final int ATTRS_OFFSET = Netlink.NLMSG_HDRLEN + Netlink.GENL_HDRLEN;
  private static final int V1_SIZE = 72;
  private static final int V17_SIZE = 688;

  private final int familyId;
  private final byte[] commScratch = new byte[32];

  /** @param familyId the TASKSTATS family id of this boot, or -1 to accept any message type */
  public TaskstatsDecoder(int familyId) {
    this.familyId = familyId;
  }

  /**
   * Decodes the message of {@code length} bytes at {@code offset} of {@code b}, which must be in
   * host byte order. {@code length} is what the caller received; the message's own nlmsg_len must
   * fit in it.
   */
  public ExitNotification decode(ByteBuffer b, int offset, int length) throws MalformedMessageException {
    Message m = parse(b, offset, length);
    Nest pid = m.pid;
    if (pid == null || pid.id < 0 || pid.statsLen < 0) {
      throw new MalformedMessageException(Reason.MISSING_PID_RECORD, "seq " + m.seq);
    }
    Nest tgid = m.tgid;
    int seq = m.seq;

    int version = version(b, pid, "thread");
    if (version == 0) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION, "struct version 0 in the thread record");
    }
    TaskStats task = stats(b, pid, version);
    TaskStats group = null;
    long groupId = task.getAcTgid();
    if (tgid != null && tgid.statsLen >= 0) {
      // Kernels before commit 16c4f0211aaa send the exit-time TGID record with version 0; its
      // layout is the thread record's.
      int groupVersion = version(b, tgid, "thread group");
      group = stats(b, tgid, groupVersion == 0 ? version : groupVersion);
      if (tgid.id >= 0) {
        groupId = tgid.id;
      }
    }
    if (version < 2) {
      task.setAcPid(pid.id); // version 1 has no ids in the struct; the attribute has it
    }
    return new ExitNotification(seq, pid.id, task, groupId, group, version > Taskstats.NEWEST_KNOWN_VERSION);
  }

  /**
   * A reply to a PID or TGID query (TASKSTATS_CMD_NEW too): the one record it carries, from its
   * AGGR_PID or AGGR_TGID nest.
   */
  public TaskStats decodeReply(ByteBuffer b, int offset, int length) throws MalformedMessageException {
    Message m = parse(b, offset, length);
    Nest nest = m.pid != null ? m.pid : m.tgid;
    if (nest == null || nest.statsLen < 0) {
      throw new MalformedMessageException(Reason.MISSING_PID_RECORD, "reply without AGGR_PID or AGGR_TGID");
    }
    int version = version(b, nest, "reply");
    if (version == 0) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION, "struct version 0 in a reply");
    }
    return stats(b, nest, version);
  }

  /** Headers checked, attributes walked: where the nests are. */
  private static final class Message {
    int seq;
    Nest pid;
    Nest tgid;
  }

  private Message parse(ByteBuffer b, int offset, int length) throws MalformedMessageException {
    if (offset < 0 || length < ATTRS_OFFSET || offset + length > b.limit()) {
      throw new MalformedMessageException(Reason.TRUNCATED_HEADER, length + " bytes");
    }
    int msgLen = b.getInt(offset);
    if (msgLen < ATTRS_OFFSET || msgLen > length) {
      throw new MalformedMessageException(Reason.BAD_MESSAGE_LENGTH,
          "nlmsg_len " + Integer.toUnsignedString(msgLen) + " in " + length + " bytes");
    }
    int type = b.getShort(offset + 4) & 0xffff;
    int cmd = b.get(offset + GENL_CMD_OFFSET) & 0xff;
    if ((familyId >= 0 && type != familyId) || cmd != Taskstats.CMD_NEW) {
      throw new MalformedMessageException(Reason.NOT_AN_EXIT, "nlmsg_type " + type + ", cmd " + cmd);
    }
    Message m = new Message();
    m.seq = b.getInt(offset + 8);
    NetlinkWalk a = NetlinkWalk.attributes(b, offset + ATTRS_OFFSET, offset + msgLen);
    while (next(a)) {
      if (a.type() == Taskstats.TYPE_AGGR_PID) {
        m.pid = nest(b, a.payload(), a.end(), Taskstats.TYPE_PID);
      } else if (a.type() == Taskstats.TYPE_AGGR_TGID) {
        m.tgid = nest(b, a.payload(), a.end(), Taskstats.TYPE_TGID);
      } // TYPE_NULL padding and attributes of newer kernels are skipped
    }
    return m;
  }

  /** Where one AGGR nest keeps its id and STATS; -1 for what it lacks. */
  private static final class Nest {
    long id = -1;
    int statsOff = -1;
    int statsLen = -1;
  }

  private static Nest nest(ByteBuffer b, int start, int end, int idType) throws MalformedMessageException {
    Nest n = new Nest();
    NetlinkWalk a = NetlinkWalk.attributes(b, start, end);
    while (next(a)) {
      if (a.type() == idType && a.payloadLength() >= 4) {
        n.id = b.getInt(a.payload()) & 0xffffffffL;
      } else if (a.type() == Taskstats.TYPE_STATS) {
        n.statsOff = a.payload();
        n.statsLen = a.payloadLength();
      }
    }
    return n;
  }

  private static boolean next(NetlinkWalk attributes) throws MalformedMessageException {
    try {
      return attributes.next();
    } catch (NetlinkWalk.Malformed e) {
      throw new MalformedMessageException(Reason.BAD_ATTRIBUTE_LENGTH, e.getMessage());
    }
  }

  private static int version(ByteBuffer b, Nest n, String which) throws MalformedMessageException {
    if (n.statsLen < 2) {
      throw new MalformedMessageException(Reason.TRUNCATED_STATS, which + " STATS of " + n.statsLen + " bytes");
    }
    int version = b.getShort(n.statsOff) & 0xffff;
    if (version == 15) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION,
          "struct version 15 moved fields mid-struct (fixed by version 16); not decoded");
    }
    return version;
  }

  /** Bytes a struct of {@code version} has at least; -1 for versions we do not decode. */
  static int minimumSize(int version) {
    switch (version) {
      case 1: return V1_SIZE;
      case 2: return 248;
      case 3: return 272;
      case 4: case 5: case 6: return 288; // nvcsw/nivcsw, then the scaled times (exact split not verified)
      case 7: case 8: return 328;
      case 9: return 344;
      case 10: return 352;
      case 11: return 368;
      case 12: return 400;
      case 13: return 416;
      case 14: return 432;
      case 16: return 560;
      case 17: return V17_SIZE;
      default: return version > Taskstats.NEWEST_KNOWN_VERSION ? V17_SIZE : -1;
    }
  }

  private TaskStats stats(ByteBuffer b, Nest n, int version) throws MalformedMessageException {
    int min = minimumSize(version);
    if (min < 0) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION, "struct version " + version);
    }
    if (n.statsLen < min) {
      throw new MalformedMessageException(Reason.TRUNCATED_STATS,
          "struct version " + version + " needs " + min + " bytes, STATS has " + n.statsLen);
    }
    TaskStats t = new TaskStats();
    t.setVersion(version);
    if (version == 1) {
      readLayout(b, n.statsOff, 0, t); // no field of the later layout: all zero
      readVersion1(b, n.statsOff, t);
    } else {
      // Bytes past what the version defines are not its fields (a padded or odd struct): ignore.
      int defined = version >= 4 && version <= 6 ? 312 : min;
      readLayout(b, n.statsOff, Math.min(n.statsLen, defined), t);
    }
    return t;
  }

  /** Version 1: version, 3 u16 of padding, then the 8 delay fields from offset 8. */
  private static void readVersion1(ByteBuffer b, int base, TaskStats t) {
    t.setCpuCount(b.getLong(base + 8));
    t.setCpuDelayTotal(b.getLong(base + 16));
    t.setBlkioCount(b.getLong(base + 24));
    t.setBlkioDelayTotal(b.getLong(base + 32));
    t.setSwapinCount(b.getLong(base + 40));
    t.setSwapinDelayTotal(b.getLong(base + 48));
    t.setCpuRunRealTotal(b.getLong(base + 56));
    t.setCpuRunVirtualTotal(b.getLong(base + 64));
  }

  /**
   * The layout of versions 2 and later (x86_64 and every 64-bit architecture: the struct is
   * 8-byte aligned internally), offsets from gcc offsetof on the version 16 header plus the
   * version 17 timestamps at 560. A field that ends past {@code lim} bytes is absent: 0.
   */
  private void readLayout(ByteBuffer b, int base, int lim, TaskStats t) {
    t.setAcExitcode(u32(b, base, lim, 4));
    t.setAcFlag(u8(b, base, lim, 8));
    t.setAcNice(lim >= 10 ? b.get(base + 9) : 0); // u8 holding a signed nice value
    t.setCpuCount(u64(b, base, lim, 16));
    t.setCpuDelayTotal(u64(b, base, lim, 24));
    t.setBlkioCount(u64(b, base, lim, 32));
    t.setBlkioDelayTotal(u64(b, base, lim, 40));
    t.setSwapinCount(u64(b, base, lim, 48));
    t.setSwapinDelayTotal(u64(b, base, lim, 56));
    t.setCpuRunRealTotal(u64(b, base, lim, 64));
    t.setCpuRunVirtualTotal(u64(b, base, lim, 72));
    t.setAcComm(comm(b, base, lim, 80));
    t.setAcSched(u8(b, base, lim, 112));
    t.setAcUid(u32(b, base, lim, 120));
    t.setAcGid(u32(b, base, lim, 124));
    t.setAcPid(u32(b, base, lim, 128));
    t.setAcPpid(u32(b, base, lim, 132));
    t.setAcBtime(u32(b, base, lim, 136));
    t.setAcEtime(u64(b, base, lim, 144));
    t.setAcUtime(u64(b, base, lim, 152));
    t.setAcStime(u64(b, base, lim, 160));
    t.setAcMinflt(u64(b, base, lim, 168));
    t.setAcMajflt(u64(b, base, lim, 176));
    t.setCoremem(u64(b, base, lim, 184));
    t.setVirtmem(u64(b, base, lim, 192));
    t.setHiwaterRss(u64(b, base, lim, 200));
    t.setHiwaterVm(u64(b, base, lim, 208));
    t.setReadChar(u64(b, base, lim, 216));
    t.setWriteChar(u64(b, base, lim, 224));
    t.setReadSyscalls(u64(b, base, lim, 232));
    t.setWriteSyscalls(u64(b, base, lim, 240));
    t.setReadBytes(u64(b, base, lim, 248));
    t.setWriteBytes(u64(b, base, lim, 256));
    t.setCancelledWriteBytes(u64(b, base, lim, 264));
    t.setNvcsw(u64(b, base, lim, 272));
    t.setNivcsw(u64(b, base, lim, 280));
    t.setAcUtimescaled(u64(b, base, lim, 288));
    t.setAcStimescaled(u64(b, base, lim, 296));
    t.setCpuScaledRunRealTotal(u64(b, base, lim, 304));
    t.setFreepagesCount(u64(b, base, lim, 312));
    t.setFreepagesDelayTotal(u64(b, base, lim, 320));
    t.setThrashingCount(u64(b, base, lim, 328));
    t.setThrashingDelayTotal(u64(b, base, lim, 336));
    t.setAcBtime64(u64(b, base, lim, 344));
    t.setCompactCount(u64(b, base, lim, 352));
    t.setCompactDelayTotal(u64(b, base, lim, 360));
    t.setAcTgid(u32(b, base, lim, 368));
    t.setAcTgetime(u64(b, base, lim, 376));
    t.setAcExeDev(u64(b, base, lim, 384));
    t.setAcExeInode(u64(b, base, lim, 392));
    t.setWpcopyCount(u64(b, base, lim, 400));
    t.setWpcopyDelayTotal(u64(b, base, lim, 408));
    t.setIrqCount(u64(b, base, lim, 416));
    t.setIrqDelayTotal(u64(b, base, lim, 424));
    t.setCpuDelayMax(u64(b, base, lim, 432));
    t.setCpuDelayMin(u64(b, base, lim, 440));
    t.setBlkioDelayMax(u64(b, base, lim, 448));
    t.setBlkioDelayMin(u64(b, base, lim, 456));
    t.setSwapinDelayMax(u64(b, base, lim, 464));
    t.setSwapinDelayMin(u64(b, base, lim, 472));
    t.setFreepagesDelayMax(u64(b, base, lim, 480));
    t.setFreepagesDelayMin(u64(b, base, lim, 488));
    t.setThrashingDelayMax(u64(b, base, lim, 496));
    t.setThrashingDelayMin(u64(b, base, lim, 504));
    t.setCompactDelayMax(u64(b, base, lim, 512));
    t.setCompactDelayMin(u64(b, base, lim, 520));
    t.setWpcopyDelayMax(u64(b, base, lim, 528));
    t.setWpcopyDelayMin(u64(b, base, lim, 536));
    t.setIrqDelayMax(u64(b, base, lim, 544));
    t.setIrqDelayMin(u64(b, base, lim, 552));
    t.setCpuDelayMaxTs(timespec(b, base, lim, 560));
    t.setBlkioDelayMaxTs(timespec(b, base, lim, 576));
    t.setSwapinDelayMaxTs(timespec(b, base, lim, 592));
    t.setFreepagesDelayMaxTs(timespec(b, base, lim, 608));
    t.setThrashingDelayMaxTs(timespec(b, base, lim, 624));
    t.setCompactDelayMaxTs(timespec(b, base, lim, 640));
    t.setWpcopyDelayMaxTs(timespec(b, base, lim, 656));
    t.setIrqDelayMaxTs(timespec(b, base, lim, 672));
  }

  private static long u64(ByteBuffer b, int base, int lim, int off) {
    return off + 8 <= lim ? b.getLong(base + off) : 0L;
  }

  private static long u32(ByteBuffer b, int base, int lim, int off) {
    return off + 4 <= lim ? b.getInt(base + off) & 0xffffffffL : 0L;
  }

  private static int u8(ByteBuffer b, int base, int lim, int off) {
    return off + 1 <= lim ? b.get(base + off) & 0xff : 0;
  }

  private static KernelTimespec timespec(ByteBuffer b, int base, int lim, int off) {
    return off + 16 <= lim
        ? new KernelTimespec(b.getLong(base + off), b.getLong(base + off + 8))
        : new KernelTimespec(0L, 0L);
  }

  /** char ac_comm[32], up to its first NUL; the kernel does not promise UTF-8, so bad bytes are replaced. */
  private String comm(ByteBuffer b, int base, int lim, int off) {
    if (off + 32 > lim) {
      return "";
    }
    int n = 0;
    boolean ascii = true;
    while (n < 32) {
      byte c = b.get(base + off + n);
      if (c == 0) {
        break;
      }
      commScratch[n++] = c;
      ascii &= c > 0;
    }
    return new String(commScratch, 0, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }
}
