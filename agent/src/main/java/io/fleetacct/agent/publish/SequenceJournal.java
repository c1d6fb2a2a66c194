package io.fleetacct.agent.publish;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an agent must remember so that its successor on the same spool directory and boot can
 * account for every exit a crash lost: the agent instance, the last agent_seq given out and, per
 * listener socket, the kernel's nlmsg_seq of the last exit numbered.
 *
 * <p>The successor continues the instance at the next agent_seq, so records lost from memory show
 * downstream as agent_seq gaps; and a socket that covers one CPU resumes from the recorded
 * nlmsg_seq, so exits the kernel announced while no agent read them show as a sequence gap, which
 * the publisher turns into skipped agent_seqs. Together: every exit lost to a crash or a restart is
 * a counted gap, and nothing is counted twice.
 *
 * <p>The journal is a small memory-mapped file ({@value #FILE} in the spool directory); a write to
 * it is a store to the page cache, so it survives SIGKILL of the agent (not a machine crash, after
 * which the boot id changes and a new instance starts anyway). Each socket's slot is one 8-byte
 * store holding both numbers (nlmsg_seq in the high half, the low half of agent_seq), so a kill can
 * never leave one without the other; the full agent_seq is written after it and restores the high
 * half. {@link #commit} must happen before the record can leave the process (see Publisher).
 *
 * <p>Not thread-safe: the publisher calls {@link #commit} under its lock.
 */
public final class SequenceJournal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SequenceJournal.class);
  static final String FILE = "sequence.journal";
  private static final long MAGIC = 0x314a5153_41544146L; // "FATASQJ1" little-endian
  private static final int ID_BYTES = 64;
  private static final int OFF_SLOTS = 8;
  private static final int OFF_LAYOUT = 12;
  private static final int OFF_BOOT = 16;
  private static final int OFF_INSTANCE = OFF_BOOT + ID_BYTES;
  private static final int OFF_HIGHEST = OFF_INSTANCE + ID_BYTES;
  private static final int OFF_SLOT_TABLE = OFF_HIGHEST + 8;
  private static final int SLOT_BYTES = 16; // first nlmsg_seq; last (nlmsg_seq << 32 | agent_seq low half)
  private static final long NONE = -1;

  private final FileChannel channel;
  private final MappedByteBuffer map;
  private final String agentInstance;
  private final long nextSeq;
  private final long[] resumeKernelSeqs;
  private final boolean continued;

  private SequenceJournal(FileChannel channel, MappedByteBuffer map, String agentInstance,
                          long nextSeq, long[] resumeKernelSeqs, boolean continued) {
    this.channel = channel;
    this.map = map;
    this.agentInstance = agentInstance;
    this.nextSeq = nextSeq;
    this.resumeKernelSeqs = resumeKernelSeqs;
    this.continued = continued;
  }

  /**
   * Opens the journal in {@code dir} (which the caller has locked): continues the instance found
   * there if it ran on this boot, else starts a new one.
   *
   * @param socketCpus the CPU list of each listener socket; a recorded nlmsg_seq is resumed only
   *     where the sockets cover the same CPUs as before
   */
  public static SequenceJournal open(Path dir, String bootId, List<String> socketCpus) throws IOException {
    Path file = dir.resolve(FILE);
    Previous previous = Previous.read(file, bootId);
    int slots = socketCpus.size();
    int layout = socketCpus.hashCode();
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, OFF_SLOT_TABLE + (long) slots * SLOT_BYTES);
      map.order(ByteOrder.LITTLE_ENDIAN);
      long[] resume = new long[slots];
      Arrays.fill(resume, NONE);
      String instance;
      long next;
      long[] first = new long[slots];
      Arrays.fill(first, NONE);
      long[] last = new long[slots];
      Arrays.fill(last, NONE);
      if (previous != null) {
        instance = previous.instance;
        next = previous.highestSeq + 1;
        if (previous.layout == layout && previous.first.length == slots) {
          for (int i = 0; i < slots; i++) {
            first[i] = previous.first[i];
            if (previous.lastKernelSeq[i] != NONE) {
              resume[i] = previous.lastKernelSeq[i];
              last[i] = pack(previous.lastKernelSeq[i], previous.highestSeq);
            }
          }
        } else {
          log.warn("the listener sockets cover other CPUs than in the previous run: exits announced while no agent"
              + " listened cannot be counted this time");
        }
      } else {
        instance = UUID.randomUUID().toString();
        next = 0;
      }
      map.putInt(OFF_SLOTS, slots);
      map.putInt(OFF_LAYOUT, layout);
      putId(map, OFF_BOOT, bootId);
      putId(map, OFF_INSTANCE, instance);
      map.putLong(OFF_HIGHEST, next - 1);
      for (int i = 0; i < slots; i++) {
        map.putLong(OFF_SLOT_TABLE + i * SLOT_BYTES, first[i]);
        map.putLong(OFF_SLOT_TABLE + i * SLOT_BYTES + 8, last[i]);
      }
      map.putLong(0, MAGIC); // last: a torn header is not taken for a journal
      return new SequenceJournal(ch, map, instance, next, resume, previous != null);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The agent instance: the previous run's on this boot, or a new one. */
  public String agentInstance() {
    return agentInstance;
  }

  /** Whether this run continues an earlier run's instance. */
  public boolean continued() {
    return continued;
  }

  /** The first agent_seq this run gives out. */
  public long nextSeq() {
    return nextSeq;
  }

  /** nlmsg_seq of the last exit the previous run numbered on socket {@code slot}, or -1. */
  public long resumeKernelSeq(int slot) {
    return resumeKernelSeqs[slot];
  }

  /** Records that {@code agentSeq} was given to the exit with {@code kernelSeq} from socket {@code slot}. */
  public void commit(int slot, long kernelSeq, long agentSeq) {
    int at = OFF_SLOT_TABLE + slot * SLOT_BYTES;
    map.putLong(at + 8, pack(kernelSeq, agentSeq));
    map.putLong(OFF_HIGHEST, agentSeq);
    if (map.getLong(at) == NONE) {
      map.putLong(at, kernelSeq);
    }
  }

  /** Records that agent_seq numbers up to {@code agentSeq} were given to records of no socket (samples). */
  public void reserve(long agentSeq) {
    map.putLong(OFF_HIGHEST, agentSeq);
  }

  @Override
  public void close() throws IOException {
    map.force();
    channel.close();
  }

  private static long pack(long kernelSeq, long agentSeq) {
    return (kernelSeq << 32) | (agentSeq & 0xffffffffL);
  }

  private static void putId(MappedByteBuffer map, int at, String id) {
    byte[] b = id.getBytes(StandardCharsets.US_ASCII);
    if (b.length >= ID_BYTES) {
      throw new IllegalArgumentException("id too long for the journal: " + id);
    }
    map.put(at, b);
    for (int i = at + b.length; i < at + ID_BYTES; i++) {
      map.put(i, (byte) 0);
    }
  }

  private static String getId(MappedByteBuffer map, int at) {
    int n = 0;
    while (n < ID_BYTES && map.get(at + n) != 0) {
      n++;
    }
    byte[] b = new byte[n];
    map.get(at, b);
    return new String(b, StandardCharsets.US_ASCII);
  }

  /**
   * What a journal file says, read without changing it; null where there is none, it belongs to
   * another boot, or it is damaged (said in the log).
   *
   * @param first per socket, the nlmsg_seq of the first exit the instance numbered (-1: none)
   * @param lastKernelSeq per socket, the nlmsg_seq of the last exit numbered (-1: none)
   */
  public record Previous(String instance, long highestSeq, int layout, long[] first, long[] lastKernelSeq) {

    public static Previous read(Path file, String bootId) throws IOException {
      if (!Files.exists(file)) {
        return null;
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        if (ch.size() < OFF_SLOT_TABLE) {
          log.warn("{} is too short to be a sequence journal; starting a new agent instance", file);
          return null;
        }
        MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        map.order(ByteOrder.LITTLE_ENDIAN);
        int slots = map.getInt(OFF_SLOTS);
        if (map.getLong(0) != MAGIC || slots < 0 || OFF_SLOT_TABLE + (long) slots * SLOT_BYTES > ch.size()) {
          log.warn("{} is not a sequence journal this agent can read; starting a new agent instance", file);
          return null;
        }
        if (!getId(map, OFF_BOOT).equals(bootId)) {
          return null; // the host rebooted: kernel sequences and the old instance's memory are gone
        }
        long highestHint = map.getLong(OFF_HIGHEST);
        long highest = highestHint;
        long[] first = new long[slots];
        long[] last = new long[slots];
        for (int i = 0; i < slots; i++) {
          first[i] = map.getLong(OFF_SLOT_TABLE + i * SLOT_BYTES);
          long packed = map.getLong(OFF_SLOT_TABLE + i * SLOT_BYTES + 8);
          if (packed == NONE) {
            last[i] = NONE;
            continue;
          }
          last[i] = packed >>> 32;
          // The slot is written before the full agent_seq: it is at most one ahead of the hint.
          long seq = highestHint + (int) ((packed & 0xffffffffL) - (highestHint & 0xffffffffL));
          highest = Math.max(highest, seq);
        }
        return new Previous(getId(map, OFF_INSTANCE), highest, map.getInt(OFF_LAYOUT), first, last);
      }
    }
  }
}
