package io.fleetacct.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Member offsets from a hand-made BTF blob, and from the running kernel's where it has one. */
class KernelBtfTest {

  /** Builds a blob: types as (name, info, size/type, trailing ints), strings interned as they come. */
  private static final class Blob {
    final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    final ByteBuffer types = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

    Blob() {
      strings.write(0);
    }

    int str(String s) {
      if (s.isEmpty()) {
        return 0;
      }
      int off = strings.size();
      strings.writeBytes((s + "\0").getBytes(StandardCharsets.US_ASCII));
      return off;
    }

    Blob type(String name, int kind, int vlen, boolean kindFlag, int sizeOrType, int... trailing) {
      types.putInt(str(name)).putInt((kindFlag ? 1 << 31 : 0) | kind << 24 | vlen).putInt(sizeOrType);
      for (int t : trailing) {
        types.putInt(t);
      }
      return this;
    }

    /** A member: name, type id, bit offset. */
    int[] member(String name, int type, int bits) {
      return new int[] {str(name), type, bits};
    }

    byte[] bytes() {
      byte[] t = new byte[types.position()];
      types.flip().get(t);
      byte[] s = strings.toByteArray();
      ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
      b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24)
          .putInt(0).putInt(t.length).putInt(t.length).putInt(s.length).put(t).put(s);
      return b.array();
    }
  }

  private static int[] flat(int[]... members) {
    int[] out = new int[members.length * 3];
    for (int i = 0; i < members.length; i++) {
      System.arraycopy(members[i], 0, out, i * 3, 3);
    }
    return out;
  }

  @Test
  void findsMembersDirectlyAndInsideAnonymousStructs() throws IOException {
    Blob b = new Blob();
    b.type("int", 1, 0, false, 4, 0x20);                                       // 1: int
    b.type("", 2, 0, false, 1);                                                 // 2: int *
    b.type("", 4, 1, false, 16, flat(b.member("comm", 1, 64)));               // 3: anonymous { comm at 8 }
    b.type("unrelated", 4, 1, false, 8, flat(b.member("group_leader", 1, 0)));  // 4: a decoy
    b.type("", 3, 0, false, 0, 1, 1, 16);                                       // 5: int[16] (an ARRAY record)
    b.type("task_struct", 4, 3, false, 64,                                      // 6
        flat(b.member("state", 1, 0), b.member("group_leader", 2, 128), b.member("", 3, 256)));
    KernelBtf btf = KernelBtf.parse(b.bytes());
    assertThat(btf.offsetOf("task_struct", "group_leader")).isEqualTo(OptionalInt.of(16));
    assertThat(btf.offsetOf("task_struct", "comm")).as("inside an anonymous struct at 32, at 8 in it")
        .isEqualTo(OptionalInt.of(40));
    assertThat(btf.offsetOf("task_struct", "missing")).isEmpty();
    assertThat(btf.offsetOf("no_such_struct", "comm")).isEmpty();
  }

  @Test
  void aBitFieldHasNoByteOffset() throws IOException {
    Blob b = new Blob();
    b.type("int", 1, 0, false, 4, 0x20);
    b.type("task_struct", 4, 1, true, 8, flat(b.member("flag", 1, (1 << 24) | 3)));
    assertThat(KernelBtf.parse(b.bytes()).offsetOf("task_struct", "flag")).isEmpty();
  }

  @Test
  void refusesWhatIsNotBtf() {
    assertThatThrownBy(() -> KernelBtf.parse(new byte[30])).hasMessageContaining("not BTF");
    assertThatThrownBy(() -> KernelBtf.parse(new byte[3])).hasMessageContaining("no header");
    byte[] blob = new Blob().bytes();
    ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 1 << 20);
    assertThatThrownBy(() -> KernelBtf.parse(blob)).hasMessageContaining("past the blob");
  }

  @Test
  void theRunningKernelsTaskStructHasBoth() throws IOException {
    assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "the kernel publishes no BTF here");
    KernelBtf btf = KernelBtf.read(KernelBtf.VMLINUX);
    int leader = btf.offsetOf("task_struct", "group_leader").orElseThrow();
    int comm = btf.offsetOf("task_struct", "comm").orElseThrow();
    assertThat(leader).isPositive();
    assertThat(comm).isPositive().isNotEqualTo(leader);
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel()).isEqualTo(new ExitCgroupProbe.TaskLayout(leader, comm));
  }
}
