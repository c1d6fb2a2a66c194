package io.fleetacct.agent.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Byte offsets of members of the running kernel's structs, from its BTF
 * ({@code /sys/kernel/btf/vmlinux}, CONFIG_DEBUG_INFO_BTF): what libbpf's CO-RE relocations would
 * give, for the two or three members a hand-assembled program reads. The format is
 * Documentation/bpf/btf.rst: a header, then type records of kind-dependent length, then strings.
 */
public final class KernelBtf {

  /** Where the kernel publishes its own BTF. */
  public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

  private static final int MAGIC = 0xeb9f;
  private static final int KIND_STRUCT = 4;
  private static final int KIND_UNION = 5;

  private final ByteBuffer types;
  private final ByteBuffer strings;

  private KernelBtf(ByteBuffer types, ByteBuffer strings) {
    this.types = types;
    this.strings = strings;
  }

  /** Reads a BTF blob; throws when it is not one (bad magic, lengths past its end). */
  public static KernelBtf read(Path file) throws IOException {
    return parse(Files.readAllBytes(file));
  }

  static KernelBtf parse(byte[] blob) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    if (blob.length < 24) {
      throw new IOException("BTF blob of " + blob.length + " bytes has no header");
    }
    if ((b.getShort(0) & 0xffff) != MAGIC) {
      b.order(ByteOrder.BIG_ENDIAN);
      if ((b.getShort(0) & 0xffff) != MAGIC) {
        throw new IOException("not BTF: magic " + Integer.toHexString(b.getShort(0) & 0xffff));
      }
    }
    long hdrLen = b.getInt(4) & 0xffffffffL;
    long typeOff = hdrLen + (b.getInt(8) & 0xffffffffL);
    long typeLen = b.getInt(12) & 0xffffffffL;
    long strOff = hdrLen + (b.getInt(16) & 0xffffffffL);
    long strLen = b.getInt(20) & 0xffffffffL;
    if (typeOff + typeLen > blob.length || strOff + strLen > blob.length) {
      throw new IOException("BTF sections run past the blob's " + blob.length + " bytes");
    }
    return new KernelBtf(b.slice((int) typeOff, (int) typeLen).order(b.order()),
        b.slice((int) strOff, (int) strLen).order(b.order()));
  }

  /**
   * The byte offset of {@code member} in {@code struct name} (looking into anonymous structs and
   * unions, as C does), or empty when the struct or member is not there or is a bit field.
   */
  public OptionalInt offsetOf(String struct, String member) {
    byte[] structName = struct.getBytes(StandardCharsets.US_ASCII);
    int pos = 0;
    int[] starts = null; // type id -> position, built only if anonymous members need resolving
    while (pos + 12 <= types.limit()) {
      int info = types.getInt(pos + 4);
      int kind = (info >>> 24) & 0x1f;
      if (kind == KIND_STRUCT && nameIs(types.getInt(pos), structName)) {
        if (starts == null) {
          starts = typeStarts();
        }
        int bits = memberBits(pos, member.getBytes(StandardCharsets.US_ASCII), starts);
        if (bits >= 0) {
          return bits % 8 == 0 ? OptionalInt.of(bits / 8) : OptionalInt.empty();
        }
      }
      pos = next(pos);
    }
    return OptionalInt.empty();
  }

  /** The member's bit offset in the struct or union at {@code pos}, or -1. */
  private int memberBits(int pos, byte[] member, int[] starts) {
    int info = types.getInt(pos + 4);
    int vlen = info & 0xffff;
    boolean kindFlag = (info >>> 31) != 0;
    for (int i = 0; i < vlen; i++) {
      int m = pos + 12 + i * 12;
      int nameOff = types.getInt(m);
      int bits = kindFlag ? types.getInt(m + 8) & 0xffffff : types.getInt(m + 8);
      if (nameOff == 0) {
        int inner = resolve(types.getInt(m + 4), starts);
        if (inner >= 0) {
          int innerKind = (types.getInt(inner + 4) >>> 24) & 0x1f;
          if (innerKind == KIND_STRUCT || innerKind == KIND_UNION) {
            int found = memberBits(inner, member, starts);
            if (found >= 0) {
              return bits + found;
            }
          }
        }
      } else if (nameIs(nameOff, member)) {
        return bits;
      }
    }
    return -1;
  }

  private int resolve(int typeId, int[] starts) {
    return typeId > 0 && typeId < starts.length ? starts[typeId] : -1;
  }

  private int[] typeStarts() {
    int count = 0;
    for (int pos = 0; pos + 12 <= types.limit(); pos = next(pos)) {
      count++;
    }
    int[] starts = new int[count + 1];
    int id = 1;
    for (int pos = 0; pos + 12 <= types.limit(); pos = next(pos)) {
      starts[id++] = pos;
    }
    starts[0] = -1;
    return starts;
  }

  /** The position of the type record after the one at {@code pos}. */
  private int next(int pos) {
    int info = types.getInt(pos + 4);
    int vlen = info & 0xffff;
    int kind = (info >>> 24) & 0x1f;
    int extra = switch (kind) {
      case 1, 14, 17 -> 4;            // INT, VAR, DECL_TAG
      case 3 -> 12;                   // ARRAY
      case 4, 5 -> 12 * vlen;         // STRUCT, UNION: members
      case 6, 13 -> 8 * vlen;         // ENUM, FUNC_PROTO
      case 15, 19 -> 12 * vlen;       // DATASEC, ENUM64
      default -> 0;                   // PTR, FWD, TYPEDEF, qualifiers, FUNC, FLOAT, TYPE_TAG
    };
    return pos + 12 + extra;
  }

  private boolean nameIs(int offset, byte[] name) {
    if (offset < 0 || offset + name.length >= strings.limit()) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (strings.get(offset + i) != name[i]) {
        return false;
      }
    }
    return strings.get(offset + name.length) == 0;
  }
}
