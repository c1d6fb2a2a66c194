package io.fleetacct.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.agent.host.HostRoot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @TempDir Path dir;

  private Map<String, Integer> offsets(byte[] blob, String struct, String... members) throws IOException {
    Path file = dir.resolve("btf");
    Files.write(file, blob);
    return KernelBtf.offsets(file, struct, List.of(members));
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
    byte[] blob = b.bytes();
    assertThat(offsets(blob, "task_struct", "group_leader", "comm", "missing")).as("comm: inside an anonymous"
        + " struct at 32, at 8 in it").isEqualTo(Map.of("group_leader", 16, "comm", 40));
    assertThat(offsets(blob, "no_such_struct", "comm")).isEmpty();
  }

  @Test
  void aBitFieldHasNoByteOffset() throws IOException {
    Blob b = new Blob();
    b.type("int", 1, 0, false, 4, 0x20);
    b.type("task_struct", 4, 1, true, 8, flat(b.member("flag", 1, (1 << 24) | 3)));
    assertThat(offsets(b.bytes(), "task_struct", "flag")).isEmpty();
  }

  @Test
  void anAnonymousStructDefinedAfterItsStructIsFoundToo() throws IOException {
    Blob b = new Blob();
    b.type("int", 1, 0, false, 4, 0x20);                                             // 1
    b.type("task_struct", 4, 1, false, 64, flat(b.member("", 3, 64)));              // 2: anonymous at 8
    b.type("", 5, 1, false, 16, flat(b.member("", 4, 0)));                          // 3: a union, in it
    b.type("", 4, 1, false, 16, flat(b.member("comm", 1, 32)));                     // 4: a struct, comm at 4
    assertThat(offsets(b.bytes(), "task_struct", "comm")).isEqualTo(Map.of("comm", 12));
  }

  @Test
  void refusesWhatIsNotBtf() {
    assertThatThrownBy(() -> offsets(new byte[30], "s", "m")).hasMessageContaining("not BTF");
    assertThatThrownBy(() -> offsets(new byte[3], "s", "m")).hasMessageContaining("no header");
    byte[] blob = new Blob().bytes();
    ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 1 << 20);
    assertThatThrownBy(() -> offsets(blob, "s", "m")).hasMessageContaining("past the file");
  }

  @Test
  void theRunningKernelsTaskStructHasBoth() throws IOException {
    assumeTrue(Files.isReadable(HostRoot.real().vmlinuxBtf()), "the kernel publishes no BTF here");
    Map<String, Integer> found = KernelBtf.offsets(HostRoot.real().vmlinuxBtf(), "task_struct", List.of("group_leader", "comm"));
    int leader = found.get("group_leader");
    int comm = found.get("comm");
    assertThat(leader).isPositive();
    assertThat(comm).isPositive().isNotEqualTo(leader);
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(HostRoot.real())).isEqualTo(new ExitCgroupProbe.TaskLayout(leader, comm));
  }

  /** A task_struct with group_leader at 16 and comm at 40, as the fake kernel's BTF. */
  private static byte[] taskStructBlob() {
    Blob b = new Blob();
    b.type("int", 1, 0, false, 4, 0x20);
    b.type("task_struct", 4, 2, false, 64, flat(b.member("group_leader", 1, 128), b.member("comm", 1, 320)));
    return b.bytes();
  }

  @Test
  void theLayoutIsRememberedPerKernelBuildAndReadAgainForAnother() throws IOException {
    HostRoot root = HostRoot.under(dir.resolve("host"));
    Files.createDirectories(root.vmlinuxBtf().getParent());
    Files.createDirectories(root.proc());
    byte[] blob = taskStructBlob();
    Files.write(root.vmlinuxBtf(), blob);
    Files.writeString(root.kernelVersion(), "Linux version 6.18.44 (gcc 14) #1 SMP 2026-11-30\n");
    Path state = dir.resolve("state");
    ExitCgroupProbe.TaskLayout expected = new ExitCgroupProbe.TaskLayout(16, 40);

    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(root, state)).isEqualTo(expected);
    assertThat(state.resolve(ExitCgroupProbe.TaskLayout.CACHE_FILE)).exists();

    Files.write(root.vmlinuxBtf(), new byte[blob.length]); // same build, same size: the BTF is not read again
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(root)).as("the BTF alone").isNull();
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(root, state)).as("remembered").isEqualTo(expected);

    Files.writeString(root.kernelVersion(), "Linux version 6.18.45 (gcc 14) #1 SMP 2026-12-05\n");
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(root, state)).as("another build: read, and no BTF")
        .isNull();

    Files.write(root.vmlinuxBtf(), blob);
    Files.writeString(state.resolve(ExitCgroupProbe.TaskLayout.CACHE_FILE), "garbage\nnot numbers\n");
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(root, state)).isEqualTo(expected);
    assertThat(Files.readAllLines(state.resolve(ExitCgroupProbe.TaskLayout.CACHE_FILE)).get(1)).isEqualTo("16 40");
    assertThat(ExitCgroupProbe.TaskLayout.ofRunningKernel(root, null)).as("not remembered").isEqualTo(expected);
  }
}
