package io.fleetacct.schema.serde;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Avro's binary encoding written by hand into a growable buffer that is reused from one record to
 * the next: for hot paths that write a record straight from where its fields are (the agent's
 * exits) without making the generated objects first. The bytes are Avro's own (ints and longs as
 * zig-zag varints, strings as their length and UTF-8 bytes); tests compare them with Avro's
 * encoder. {@link #asStream()} lets Avro's encoder add a part the hand-written code does not cover.
 */
public final class AvroBinary {

  private byte[] buf;
  private int length;
  private final OutputStream stream = new OutputStream() {
    @Override
    public void write(int b) {
      ensure(1);
      buf[length++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      writeBytes(b, off, len);
    }
  };

  public AvroBinary(int initialCapacity) {
    this.buf = new byte[initialCapacity];
  }

  /** Empties the buffer, keeping its capacity. */
  public AvroBinary reset() {
    length = 0;
    return this;
  }

  public int length() {
    return length;
  }

  /** The buffer, valid up to {@link #length()}; it changes when the buffer grows. */
  public byte[] array() {
    return buf;
  }

  /** An Avro int or long: zig-zag, then 7 bits a byte, low first. */
  public void writeLong(long v) {
    ensure(10);
    length = writeLong(v, buf, length);
  }

  /** Writes {@code v} as an Avro long into {@code dst} at {@code off}; returns where it ends. */
  public static int writeLong(long v, byte[] dst, int off) {
    long n = (v << 1) ^ (v >> 63);
    while ((n & ~0x7FL) != 0) {
      dst[off++] = (byte) ((n & 0x7F) | 0x80);
      n >>>= 7;
    }
    dst[off++] = (byte) n;
    return off;
  }

  /** How many bytes {@code v} takes as an Avro long. */
  public static int longLength(long v) {
    long n = (v << 1) ^ (v >> 63);
    int bytes = 1;
    while ((n & ~0x7FL) != 0) {
      n >>>= 7;
      bytes++;
    }
    return bytes;
  }

  public void writeInt(int v) {
    writeLong(v);
  }

  /** An Avro string: its UTF-8 length, then the bytes (ASCII copied char by char: no array made). */
  public void writeString(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeLong(utf8.length);
        writeBytes(utf8, 0, utf8.length);
        return;
      }
    }
    writeLong(n);
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[length++] = (byte) s.charAt(i);
    }
  }

  /** The branch of a union: its index. */
  public void writeIndex(int branch) {
    writeLong(branch);
  }

  /** Raw bytes (a part already encoded). */
  public void writeBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, length, len);
    length += len;
  }

  /** Raw bytes from a buffer, whatever its position. */
  public void writeBytes(ByteBuffer b, int off, int len) {
    ensure(len);
    b.get(off, buf, length, len);
    length += len;
  }

  /** Appends to this buffer, for Avro's own encoder. */
  public OutputStream asStream() {
    return stream;
  }

  private void ensure(int more) {
    if (length + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
    }
  }
}
