package io.fleetacct.agent.bpf;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte offsets of members of a struct of the running kernel, from its BTF
 * ({@code /sys/kernel/btf/vmlinux}, CONFIG_DEBUG_INFO_BTF): what libbpf's CO-RE relocations would
 * give, for the two members a hand-assembled program reads. The format is Documentation/bpf/btf.rst:
 * a header, then type records of kind-dependent length, then NUL-terminated strings.
 *
 * <p>The file (5 MiB here) is read as a stream, a few times over, keeping only the offsets of the
 * names asked for: an agent with a 48 MiB heap should not hold it.
 */
public final class KernelBtf {


  private static final int MAGIC = 0xeb9f;
  private static final int KIND_STRUCT = 4;
  private static final int KIND_UNION = 5;
  /** Anonymous structs and unions nest; a struct's members resolve within this many passes. */
  private static final int MAX_PASSES = 6;

  private KernelBtf() {}

  /** An anonymous struct or union member still to look into: its type and where it starts. */
  private record Pending(int typeId, int bitsBase) {}

  /**
   * The byte offsets of {@code members} in {@code struct name} (looking into anonymous structs and
   * unions, as C does); a member that is not there, or is a bit field, is missing from the map.
   * Throws when the file is not BTF (bad magic, sections past its end).
   */
  public static Map<String, Integer> offsets(Path file, String struct, List<String> members) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(24);
      while (header.hasRemaining() && ch.read(header) > 0) {
        // read on
      }
      if (header.position() < 24) {
        throw new IOException("BTF file of " + header.position() + " bytes has no header");
      }
      header.flip().order(ByteOrder.LITTLE_ENDIAN);
      if ((header.getShort(0) & 0xffff) != MAGIC) {
        header.order(ByteOrder.BIG_ENDIAN);
        if ((header.getShort(0) & 0xffff) != MAGIC) {
          throw new IOException("not BTF: magic " + Integer.toHexString(header.getShort(0) & 0xffff));
        }
      }
      ByteOrder order = header.order();
      long hdrLen = header.getInt(4) & 0xffffffffL;
      long typeOff = hdrLen + (header.getInt(8) & 0xffffffffL);
      long typeLen = header.getInt(12) & 0xffffffffL;
      long strOff = hdrLen + (header.getInt(16) & 0xffffffffL);
      long strLen = header.getInt(20) & 0xffffffffL;
      if (typeOff + typeLen > ch.size() || strOff + strLen > ch.size()) {
        throw new IOException("BTF sections run past the file's " + ch.size() + " bytes");
      }
      List<String> names = new ArrayList<>(members);
      names.add(struct);
      Map<Integer, String> named = stringOffsets(section(ch, strOff), strLen, names);
      Map<Integer, String> wanted = new HashMap<>(named);
      wanted.values().removeIf(n -> !members.contains(n));
      Map<String, Integer> found = new HashMap<>();
      if (!named.containsValue(struct) || wanted.isEmpty()) {
        return found;
      }
      // Pass 1 finds the struct; later passes look into its anonymous members, wherever they are.
      List<Pending> pending = new ArrayList<>();
      boolean first = true;
      for (int pass = 0; pass < MAX_PASSES && (first || !pending.isEmpty()); pass++) {
        Map<Integer, Integer> lookInto = new HashMap<>();
        pending.forEach(p -> lookInto.put(p.typeId(), p.bitsBase()));
        pending = new ArrayList<>();
        Types types = new Types(section(ch, typeOff), typeLen, order);
        while (types.next()) {
          boolean isStruct = first && types.kind == KIND_STRUCT && struct.equals(named.get(types.nameOff));
          Integer base = lookInto.get(types.id);
          if ((isStruct || base != null) && (types.kind == KIND_STRUCT || types.kind == KIND_UNION)) {
            types.members(isStruct ? 0 : base, wanted, found, pending);
          } else {
            types.skipTrailing();
          }
        }
        first = false;
      }
      found.values().removeIf(bits -> bits % 8 != 0);
      found.replaceAll((m, bits) -> bits / 8);
      return found;
    }
  }

  private static DataInputStream section(FileChannel ch, long offset) throws IOException {
    ch.position(offset);
    InputStream in = Channels.newInputStream(ch);
    return new DataInputStream(new BufferedInputStream(new NonClosing(in), 64 * 1024));
  }

  /** Where in the string section the names asked for stand (a name may stand more than once). */
  private static Map<Integer, String> stringOffsets(DataInputStream in, long length, List<String> names)
      throws IOException {
    Map<Integer, String> out = new HashMap<>();
    int longest = names.stream().mapToInt(String::length).max().orElse(0);
    byte[] current = new byte[longest + 1];
    int len = 0;
    long start = 0;
    for (long pos = 0; pos < length; pos++) {
      int b = in.readUnsignedByte();
      if (b == 0) {
        if (len <= longest) {
          String s = new String(current, 0, len, StandardCharsets.US_ASCII);
          if (names.contains(s)) {
            out.put((int) start, s);
          }
        }
        len = 0;
        start = pos + 1;
      } else if (len <= longest) {
        current[len++] = (byte) b;
      }
    }
    return out;
  }

  /** The type records, one at a time, in id order (from 1). */
  private static final class Types {
    private final DataInputStream in;
    private final long length;
    private final boolean little;
    private long pos;
    int id;
    int nameOff;
    int kind;
    int vlen;
    boolean kindFlag;

    Types(DataInputStream in, long length, ByteOrder order) {
      this.in = in;
      this.length = length;
      this.little = order == ByteOrder.LITTLE_ENDIAN;
    }

    boolean next() throws IOException {
      if (pos + 12 > length) {
        return false;
      }
      nameOff = readInt();
      int info = readInt();
      readInt(); // size or type
      vlen = info & 0xffff;
      kind = (info >>> 24) & 0x1f;
      kindFlag = (info >>> 31) != 0;
      id++;
      return true;
    }

    /** Bytes after the 12-byte record, by kind. */
    private int trailing() {
      return switch (kind) {
        case 1, 14, 17 -> 4;            // INT, VAR, DECL_TAG
        case 3 -> 12;                   // ARRAY
        case 4, 5 -> 12 * vlen;         // STRUCT, UNION: members
        case 6, 13 -> 8 * vlen;         // ENUM, FUNC_PROTO
        case 15, 19 -> 12 * vlen;       // DATASEC, ENUM64
        default -> 0;                   // PTR, FWD, TYPEDEF, qualifiers, FUNC, FLOAT, TYPE_TAG
      };
    }

    void skipTrailing() throws IOException {
      int n = trailing();
      in.skipNBytes(n);
      pos += n;
    }

    /** This struct's or union's members: the wanted ones found, the anonymous ones to look into. */
    void members(int bitsBase, Map<Integer, String> wanted, Map<String, Integer> found, List<Pending> pending)
        throws IOException {
      for (int i = 0; i < vlen; i++) {
        int name = readInt();
        int type = readInt();
        int offset = readInt();
        int bits = bitsBase + (kindFlag ? offset & 0xffffff : offset);
        if (name == 0) {
          pending.add(new Pending(type, bits));
        } else if (wanted.containsKey(name)) {
          found.putIfAbsent(wanted.get(name), bits);
        }
      }
    }

    private int readInt() throws IOException {
      int v = in.readInt();
      pos += 4;
      return little ? Integer.reverseBytes(v) : v;
    }
  }

  /** The channel's stream without closing the channel, which the caller reads again. */
  private static final class NonClosing extends java.io.FilterInputStream {
    NonClosing(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
