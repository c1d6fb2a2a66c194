package io.fleetacct.agent.sample;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each live thread has had published in samples, kept in the spool directory so that a
 * restart of the same agent instance (same boot, spool directory and sequence) neither publishes
 * it again nor lets exits forget it. Written whole after each cycle's samples are numbered and
 * before they can leave the process (see {@code Publisher.submitSamples}), to a new file renamed
 * over the old one, so a kill leaves one complete version or the other. The page cache keeps it
 * across SIGKILL; after a machine crash the boot, and so the instance, is new anyway.
 *
 * <p>A kill after the numbers were journalled but before this file was replaced leaves the older
 * version: the successor publishes those deltas again, and the numbers of the samples that never
 * left show as gaps: reported as lost although nothing was (the safe side). Not thread-safe.
 */
final class SampledJournal {

  private static final Logger log = LoggerFactory.getLogger(SampledJournal.class);
  static final String FILE = "sampled.journal";
  private static final long MAGIC = 0x314a4c50_4d415346L; // "FSAMPLJ1" little-endian

  private final Path file;
  private final Path next;
  private final String bootId;
  private final String agentInstance;

  SampledJournal(Path dir, String bootId, String agentInstance) {
    this.file = dir.resolve(FILE);
    this.next = dir.resolve(FILE + ".next");
    this.bootId = bootId;
    this.agentInstance = agentInstance;
  }

  /** What the previous run of this instance had published; empty for another boot or instance. */
  Map<Long, SampledThreads.Published> read() throws IOException {
    Map<Long, SampledThreads.Published> out = new HashMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readLong() != MAGIC || !in.readUTF().equals(bootId) || !in.readUTF().equals(agentInstance)) {
        return out; // another boot or instance: its sequence, and so what it published, is not ours
      }
      int totals = in.readInt();
      int maxima = in.readInt();
      int count = in.readInt();
      if (totals != SampledThreads.FIELDS.size() || maxima != SampledThreads.MAX_FIELDS.size() || count < 0) {
        log.warn("{} was written for other fields ({} and {}): live threads are published whole again", file,
            totals, maxima);
        return out;
      }
      for (int i = 0; i < count; i++) {
        long tid = in.readLong();
        long btime = in.readLong();
        out.put(tid, new SampledThreads.Published(btime, longs(in, totals), longs(in, maxima)));
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (EOFException e) {
      log.warn("{} is truncated: live threads are published whole again", file);
      out.clear();
    }
    return out;
  }

  void write(Map<Long, SampledThreads.Published> published) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(next), 1 << 16))) {
      out.writeLong(MAGIC);
      out.writeUTF(bootId);
      out.writeUTF(agentInstance);
      out.writeInt(SampledThreads.FIELDS.size());
      out.writeInt(SampledThreads.MAX_FIELDS.size());
      Map<Long, SampledThreads.Published> copy = new HashMap<>(published); // a fixed count under concurrent exits
      out.writeInt(copy.size());
      for (Map.Entry<Long, SampledThreads.Published> e : copy.entrySet()) {
        out.writeLong(e.getKey());
        out.writeLong(e.getValue().btime());
        for (long v : e.getValue().totals()) {
          out.writeLong(v);
        }
        for (long v : e.getValue().maxima()) {
          out.writeLong(v);
        }
      }
    }
    Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static long[] longs(DataInputStream in, int n) throws IOException {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = in.readLong();
    }
    return v;
  }
}
