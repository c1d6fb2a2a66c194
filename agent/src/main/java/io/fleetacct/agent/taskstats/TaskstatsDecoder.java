package io.fleetacct.agent.taskstats;

import io.fleetacct.agent.netlink.Netlink;
import io.fleetacct.agent.netlink.NetlinkWalk;
import io.fleetacct.agent.taskstats.MalformedMessageException.Reason;
import io.fleetacct.schema.TaskStats;
import java.nio.ByteBuffer;

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
 * newer than 17 decodes the known prefix and is flagged. Fields a struct lacks are 0 ({@link
 * StructLayout}).
 *
 * <p>Not thread-safe: one decoder per receive thread (it reuses its cursors).
 */
public final class TaskstatsDecoder {

  private static final int GENL_CMD_OFFSET = Netlink.NLMSG_HDRLEN;
  private static final int ATTRS_OFFSET = Netlink.NLMSG_HDRLEN + Netlink.GENL_HDRLEN;
  private static final int V1_SIZE = 72;
  private static final int V17_SIZE = 688;

  private final int familyId;
  private final NetlinkWalk messageAttributes = NetlinkWalk.reusable();
  private final NetlinkWalk nestAttributes = NetlinkWalk.reusable();
  private final Nest pid = new Nest();
  private final Nest tgid = new Nest();
  private int seq;

  /** @param familyId the TASKSTATS family id of this boot, or -1 to accept any message type */
  public TaskstatsDecoder(int familyId) {
    this.familyId = familyId;
  }

  /**
   * Decodes the message of {@code length} bytes at {@code offset} of {@code b}, which must be in
   * host byte order. {@code length} is what the caller received; the message's own nlmsg_len must
   * fit in it. The exit is a view over {@code b}, valid while {@code b} holds the message.
   */
  public ExitNotification decode(ByteBuffer b, int offset, int length) throws MalformedMessageException {
    ExitNotification exit = new ExitNotification();
    decode(b, offset, length, exit);
    return exit;
  }

  /** As {@link #decode(ByteBuffer, int, int)}, into a view the caller reuses: no object per exit. */
  public void decode(ByteBuffer b, int offset, int length, ExitNotification into) throws MalformedMessageException {
    parse(b, offset, length);
    if (!pid.present || pid.id < 0 || pid.statsLen < 0) {
      throw new MalformedMessageException(Reason.MISSING_PID_RECORD, "seq " + seq);
    }
    int version = version(b, pid, "thread");
    if (version == 0) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION, "struct version 0 in the thread record");
    }
    int taskLim = definedBytes(pid, version);
    long groupId = StructLayout.number(b, pid.statsOff, taskLim, version, StructLayout.AC_TGID);
    int groupVersion = -1;
    int groupLim = 0;
    if (tgid.present && tgid.statsLen >= 0) {
      // Kernels before commit 16c4f0211aaa send the exit-time TGID record with version 0; its
      // layout is the thread record's.
      int own = version(b, tgid, "thread group");
      groupVersion = own == 0 ? version : own;
      groupLim = definedBytes(tgid, groupVersion);
      if (tgid.id >= 0) {
        groupId = tgid.id;
      }
    }
    into.set(b, seq, pid.id, groupId, version > Taskstats.NEWEST_KNOWN_VERSION, pid.statsOff, taskLim, version,
        tgid.statsOff, groupLim, groupVersion);
  }

  /**
   * A reply to a PID or TGID query (TASKSTATS_CMD_NEW too): the one record it carries, from its
   * AGGR_PID or AGGR_TGID nest.
   */
  public TaskStats decodeReply(ByteBuffer b, int offset, int length) throws MalformedMessageException {
    parse(b, offset, length);
    Nest nest = pid.present ? pid : tgid;
    if (!nest.present || nest.statsLen < 0) {
      throw new MalformedMessageException(Reason.MISSING_PID_RECORD, "reply without AGGR_PID or AGGR_TGID");
    }
    int version = version(b, nest, "reply");
    if (version == 0) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION, "struct version 0 in a reply");
    }
    ExitNotification view = new ExitNotification();
    view.set(b, seq, 0, 0, false, nest.statsOff, definedBytes(nest, version), version, 0, 0, -1);
    return view.task();
  }

  /** Where one AGGR nest keeps its id and STATS; -1 for what it lacks. */
  private static final class Nest {
    boolean present;
    long id;
    int statsOff;
    int statsLen;

    void clear() {
      present = false;
      id = -1;
      statsOff = -1;
      statsLen = -1;
    }
  }

  /** Checks the headers and walks the attributes: where the nests are. */
  private void parse(ByteBuffer b, int offset, int length) throws MalformedMessageException {
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
    seq = b.getInt(offset + 8);
    pid.clear();
    tgid.clear();
    NetlinkWalk a = messageAttributes.attributesOf(b, offset + ATTRS_OFFSET, offset + msgLen);
    while (next(a)) {
      if (a.type() == Taskstats.TYPE_AGGR_PID) {
        nest(b, a.payload(), a.end(), Taskstats.TYPE_PID, pid);
      } else if (a.type() == Taskstats.TYPE_AGGR_TGID) {
        nest(b, a.payload(), a.end(), Taskstats.TYPE_TGID, tgid);
      } // TYPE_NULL padding and attributes of newer kernels are skipped
    }
  }

  private void nest(ByteBuffer b, int start, int end, int idType, Nest n) throws MalformedMessageException {
    n.clear();
    n.present = true;
    NetlinkWalk a = nestAttributes.attributesOf(b, start, end);
    while (next(a)) {
      if (a.type() == idType && a.payloadLength() >= 4) {
        n.id = b.getInt(a.payload()) & 0xffffffffL;
      } else if (a.type() == Taskstats.TYPE_STATS) {
        n.statsOff = a.payload();
        n.statsLen = a.payloadLength();
      }
    }
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

  /**
   * How many of the STATS bytes hold the fields of {@code version}: bytes past what the version
   * defines are not its fields (a padded or odd struct), and are ignored. Refuses versions not
   * decoded and structs shorter than their version.
   */
  private static int definedBytes(Nest n, int version) throws MalformedMessageException {
    int min = minimumSize(version);
    if (min < 0) {
      throw new MalformedMessageException(Reason.UNSUPPORTED_VERSION, "struct version " + version);
    }
    if (n.statsLen < min) {
      throw new MalformedMessageException(Reason.TRUNCATED_STATS,
          "struct version " + version + " needs " + min + " bytes, STATS has " + n.statsLen);
    }
    if (version == 1) {
      return n.statsLen; // its own layout, read at fixed offsets
    }
    return Math.min(n.statsLen, version >= 4 && version <= 6 ? 312 : min);
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
}
