package io.fleetacct.agent.publish;

import io.fleetacct.agent.host.DirectoryLock;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.serde.AvroAnySerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * A bounded first-in first-out queue of encoded records on disk: where records wait while Kafka
 * is slow or away, and what survives an agent restart or crash.
 *
 * <p>Records are appended to numbered segment files ({@code segment-<n>.spool}) as frames of
 * {@code u32 length, u32 CRC-32C, bytes}, each written to the kernel at once, so a killed agent
 * loses none of them (a machine crash can: there is no fsync). {@link #next()} reads them back in
 * order; {@link #acknowledge} marks records as delivered, deletes segments that are fully
 * delivered and persists the position, so that a restart resends only what was not acknowledged
 * (at most what was acknowledged in the last moments is sent twice; consumers drop it by
 * agent_seq). A torn or corrupt frame ends its segment and is counted. Frames that are not
 * records (the agent's heartbeats) wait and are read like the others, but are not counted in
 * {@link #records()}.
 *
 * <p>Not thread-safe: the caller serialises appends and reads.
 */
public final class Spool implements AutoCloseable {

  private static final int FRAME_HEADER = 8;
  /** Tells heartbeats from records. */
  private static final AvroAnySerde FRAMES = FleetacctSerdes.agentBacklog();
  private static final long SEGMENT_BYTES = 16L * 1024 * 1024;
  private static final int MAX_RECORD = 1 << 20;
  private static final String POSITION = "position";
  /**
   * New spools number their segments from here, so that a shutdown can put records older than
   * everything spooled in front of them (in lower-numbered segments; see {@link #prepend}).
   */
  private static final long FIRST_SEGMENT = 1L << 40;

  /** A record's place: where the reader is after it. */
  public record Position(long segment, long offset) {}

  private final Path dir;
  private final long maxBytes;
  private final Deque<Long> segments = new ArrayDeque<>();
  private final ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER).order(ByteOrder.LITTLE_ENDIAN);
  private FileChannel writer;
  private long writerSegment = -1;
  private FileChannel reader;
  private long readerSegment = -1;
  private long readerOffset;
  private long bytes;
  private long records;
  /** Frames waiting that are not records. */
  private long others;
  private final Predicate<byte[]> isRecord;
  private long corruptFrames;
  private Position acknowledged;
  private DirectoryLock lock;

  private Spool(Path dir, long maxBytes, Predicate<byte[]> isRecord) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.isRecord = isRecord;
  }

  /**
   * Opens (or creates) a spool directory; what an earlier run left is read first. One agent at a
   * time: a second one on the same directory is refused.
   */
  public static Spool open(Path dir, long maxBytes) throws IOException {
    Files.createDirectories(dir);
    DirectoryLock lock = DirectoryLock.tryAcquire(dir);
    if (lock == null) {
      throw new IOException("spool directory " + dir + " is in use by another agent (give each its own --spool-dir)");
    }
    Spool s = new Spool(dir, maxBytes, frame -> !FRAMES.isOf(AgentStatus.class, frame));
    s.lock = lock;
    s.recover();
    return s;
  }

  private void recover() throws IOException {
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "segment-*.spool")) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        found.add(Long.parseLong(n.substring("segment-".length(), n.length() - ".spool".length())));
      }
    }
    found.sort(null);
    segments.addAll(found);
    Path pos = dir.resolve(POSITION);
    if (Files.exists(pos)) {
      String[] p = Files.readString(pos).trim().split(" ");
      acknowledged = new Position(Long.parseLong(p[0]), Long.parseLong(p[1]));
      while (!segments.isEmpty() && segments.peekFirst() < acknowledged.segment()) {
        Files.deleteIfExists(segmentPath(segments.pollFirst()));
      }
    }
    for (long seg : segments) {
      bytes += Files.size(segmentPath(seg));
    }
    // Count what is still to send: frames after the acknowledged position.
    for (long seg : segments) {
      long start = acknowledged != null && seg == acknowledged.segment() ? acknowledged.offset() : 0;
      try (FileChannel ch = FileChannel.open(segmentPath(seg), StandardOpenOption.READ)) {
        ch.position(start);
        for (byte[] frame; (frame = readFrame(ch)) != null; ) {
          count(frame, 1);
        }
      }
    }
    if (!segments.isEmpty()) {
      readerSegment = segments.peekFirst();
      readerOffset = acknowledged != null && readerSegment == acknowledged.segment() ? acknowledged.offset() : 0;
    }
  }

  private void count(byte[] frame, int n) {
    if (isRecord.test(frame)) {
      records += n;
    } else {
      others += n;
    }
  }

  /** Records waiting (appended, not yet acknowledged). */
  public long records() {
    return records;
  }

  /** Bytes the spool takes on disk. */
  public long bytes() {
    return bytes;
  }

  public long corruptFrames() {
    return corruptFrames;
  }

  /** No frame waits, record or other. */
  public boolean isEmpty() {
    return records == 0 && others == 0;
  }

  /** Appends a record; false (nothing written) when the spool would exceed its size bound. */
  public boolean append(byte[] record) throws IOException {
    if (record.length > MAX_RECORD) {
      throw new IllegalArgumentException("record of " + record.length + " bytes is larger than a spool frame");
    }
    long frame = FRAME_HEADER + record.length;
    if (bytes + frame > maxBytes) {
      return false;
    }
    if (writer == null || writer.size() + frame > SEGMENT_BYTES) {
      rollWriter();
    }
    writeFrame(writer, record);
    return true;
  }

  private void writeFrame(FileChannel ch, byte[] record) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(record);
    header.clear();
    header.putInt(record.length).putInt((int) crc.getValue()).flip();
    ByteBuffer body = ByteBuffer.wrap(record);
    ByteBuffer[] parts = {header, body};
    while (header.hasRemaining() || body.hasRemaining()) {
      ch.write(parts);
    }
    bytes += FRAME_HEADER + record.length;
    count(record, 1);
  }

  private void rollWriter() throws IOException {
    if (writer != null) {
      writer.close();
    }
    writerSegment = segments.isEmpty() ? (readerSegment >= 0 ? readerSegment + 1 : FIRST_SEGMENT) : segments.peekLast() + 1;
    writer = FileChannel.open(segmentPath(writerSegment), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    segments.addLast(writerSegment);
    if (readerSegment < 0) {
      readerSegment = writerSegment;
      readerOffset = 0;
    }
  }

  /**
   * Puts records in front of everything spooled, in their order: for a shutdown that must save
   * records older than the spool's. Leaves the spool to be read again from its start after a
   * restart (records already delivered from it may be sent twice; consumers drop them by
   * agent_seq). Call only when closing.
   */
  public void prepend(List<byte[]> older) throws IOException {
    if (older.isEmpty()) {
      return;
    }
    long seg = (segments.isEmpty() ? FIRST_SEGMENT : segments.peekFirst()) - 1;
    try (FileChannel ch = FileChannel.open(segmentPath(seg), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (byte[] r : older) {
        writeFrame(ch, r);
      }
    }
    segments.addFirst(seg);
    Files.deleteIfExists(dir.resolve(POSITION));
  }

  /** The next unread record, or null when the reader has caught up with the writer. */
  public byte[] next() throws IOException {
    while (readerSegment >= 0) {
      if (reader == null) {
        if (!Files.exists(segmentPath(readerSegment))) {
          return null;
        }
        reader = FileChannel.open(segmentPath(readerSegment), StandardOpenOption.READ);
        reader.position(readerOffset);
      }
      byte[] r = readFrame(reader);
      if (r != null) {
        readerOffset = reader.position();
        return r;
      }
      if (readerSegment == writerSegment || readerSegment == segments.peekLast()) {
        // Caught up with the segment being written (or the last one left by a crash).
        if (reader.position() < reader.size()) {
          corruptFrames++; // a torn frame at the end of the last segment
          readerOffset = reader.size();
        }
        return null;
      }
      if (reader.position() < reader.size()) {
        corruptFrames++;
      }
      reader.close();
      reader = null;
      readerSegment++;
      readerOffset = 0;
    }
    return null;
  }

  /** Where the reader is: pass it to {@link #acknowledge} once the record just read is delivered. */
  public Position position() {
    return new Position(readerSegment, readerOffset);
  }

  /**
   * Everything up to {@code p} (a position from {@link #position()}) has been delivered:
   * {@code delivered} records. Deletes fully delivered segments and persists the position.
   */
  public void acknowledge(Position p, long delivered) throws IOException {
    acknowledge(p, delivered, 0);
  }

  /** As {@link #acknowledge(Position, long)}, with {@code deliveredOthers} frames that are not records. */
  public void acknowledge(Position p, long delivered, long deliveredOthers) throws IOException {
    records = Math.max(0, records - delivered);
    others = Math.max(0, others - deliveredOthers);
    acknowledged = p;
    while (segments.size() > 1 && segments.peekFirst() < p.segment()) {
      long seg = segments.pollFirst();
      Path f = segmentPath(seg);
      bytes -= Files.size(f);
      Files.deleteIfExists(f);
    }
    if (isEmpty() && p.segment() == writerSegment && writer != null && writer.size() == p.offset()) {
      // Fully drained: start afresh so the spool does not keep an ever-growing last segment.
      writer.close();
      writer = null;
      if (reader != null) {
        reader.close();
        reader = null;
      }
      Files.deleteIfExists(segmentPath(writerSegment));
      segments.clear();
      bytes = 0;
      readerSegment = -1;
      writerSegment = -1;
      Files.deleteIfExists(dir.resolve(POSITION));
      return;
    }
    Path tmp = dir.resolve(POSITION + ".tmp");
    Files.writeString(tmp, p.segment() + " " + p.offset() + "\n");
    Files.move(tmp, dir.resolve(POSITION), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A frame, or null at the end (or at a torn or corrupt frame, where the position stays put). */
  private byte[] readFrame(FileChannel ch) throws IOException {
    long start = ch.position();
    ByteBuffer h = ByteBuffer.allocate(FRAME_HEADER).order(ByteOrder.LITTLE_ENDIAN);
    if (readFully(ch, h) < FRAME_HEADER) {
      ch.position(start);
      return null;
    }
    h.flip();
    int len = h.getInt();
    int crc = h.getInt();
    if (len < 0 || len > MAX_RECORD) {
      ch.position(start);
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    if (readFully(ch, body) < len) {
      ch.position(start);
      return null;
    }
    CRC32C check = new CRC32C();
    check.update(body.array());
    if ((int) check.getValue() != crc) {
      ch.position(start);
      return null;
    }
    return body.array();
  }

  private static int readFully(FileChannel ch, ByteBuffer b) throws IOException {
    int total = 0;
    while (b.hasRemaining()) {
      int n = ch.read(b);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private Path segmentPath(long n) {
    return dir.resolve(String.format("segment-%020d.spool", n));
  }

  @Override
  public void close() {
    try {
      if (writer != null) {
        writer.close();
      }
      if (reader != null) {
        reader.close();
      }
      if (lock != null) {
        lock.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
