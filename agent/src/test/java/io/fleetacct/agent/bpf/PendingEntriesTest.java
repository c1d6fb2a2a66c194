package io.fleetacct.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.agent.netlink.LibC;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The table of ring-buffer entries waiting for their exits, against a plain list of the same
 * entries: thread ids that collide (a small table, ids that share home slots, probe runs that wrap
 * around its end), several entries per id under one name or several, takes, sweeps by age.
 */
class PendingEntriesTest {

  private record Entry(int tid, long cgroup, long ktime, String leader, String comm) {}

  private final Pointer memory = Memory.allocateDirect(LibC.runtime(), 64, true);

  private void put(PendingEntries table, Entry e) {
    byte[] leader = new byte[16];
    byte[] comm = new byte[16];
    byte[] l = e.leader().getBytes(StandardCharsets.US_ASCII);
    byte[] c = e.comm().getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(l, 0, leader, 0, l.length);
    System.arraycopy(c, 0, comm, 0, c.length);
    memory.put(8, leader, 0, 16);
    memory.put(40, comm, 0, 16);
    table.put(e.tid(), e.cgroup(), e.ktime(), memory, 8, 40);
  }

  private static String name(byte[] comm) {
    int n = 0;
    while (n < comm.length && comm[n] != 0) {
      n++;
    }
    return new String(comm, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void theOldestEntryUnderTheExitsOwnNameIsTakenAndOtherNamesStay() {
    PendingEntries table = new PendingEntries(16);
    put(table, new Entry(7, 100, 3_000, "bash", "later"));
    put(table, new Entry(7, 200, 2_000, "bash", "sh"));
    put(table, new Entry(7, 300, 1_000, "bash", "sh"));
    long[] out = new long[2];
    byte[] leader = new byte[16];
    assertThat(table.take(7, "sh", out, leader)).isTrue();
    assertThat(out).containsExactly(300, 1_000);
    assertThat(name(leader)).isEqualTo("bash");
    assertThat(table.take(7, "sh", out, leader)).isTrue();
    assertThat(out).containsExactly(200, 2_000);
    assertThat(table.take(7, "sh", out, leader)).as("only the later task's entry is left").isFalse();
    assertThat(table.take(8, "later", out, leader)).isFalse();
    assertThat(table.take(7, "later", out, leader)).isTrue();
    assertThat(table.size()).isZero();
  }

  @Test
  void aRandomMixOfPutsTakesAndSweepsAgreesWithAList() {
    Random random = new Random(33);
    PendingEntries table = new PendingEntries(64);
    List<Entry> model = new ArrayList<>();
    List<String> names = List.of("sh", "make", "cc1", "a-rather-long-n");
    long[] out = new long[2];
    byte[] leader = new byte[16];
    long now = 0;
    for (int step = 0; step < 200_000; step++) {
      now += random.nextInt(3);
      int op = random.nextInt(10);
      int tid = random.nextInt(4) == 0 ? 64 * random.nextInt(4) + 1 : random.nextInt(200); // collide often
      String comm = names.get(random.nextInt(names.size()));
      if (op < 5 && table.hasRoom()) {
        Entry e = new Entry(tid, random.nextLong(), now, names.get(random.nextInt(names.size())), comm);
        put(table, e);
        model.add(e);
      } else if (op < 9) {
        Optional<Entry> expected = model.stream().filter(e -> e.tid() == tid && e.comm().equals(comm))
            .min(Comparator.comparingLong(Entry::ktime));
        boolean taken = table.take(tid, comm, out, leader);
        assertThat(taken).as("step %d: take %d %s", step, tid, comm).isEqualTo(expected.isPresent());
        if (taken) {
          assertThat(out[1]).isEqualTo(expected.get().ktime());
          Entry e = model.stream().filter(m -> m.tid() == tid && m.comm().equals(comm) && m.ktime() == out[1]
              && m.cgroup() == out[0] && m.leader().equals(name(leader))).findFirst().orElseThrow();
          model.remove(e);
        }
      } else {
        long limit = now - 50;
        int swept = table.sweep(limit);
        int before = model.size();
        model.removeIf(e -> e.ktime() < limit);
        assertThat(swept).as("step %d: sweep", step).isEqualTo(before - model.size());
      }
      assertThat(table.size()).isEqualTo(model.size());
    }
  }

  @Test
  void aTableIsAtMostThreeQuartersFullAndItsSizeIsAPowerOfTwo() {
    PendingEntries table = new PendingEntries(8);
    for (int i = 0; i < 6; i++) {
      assertThat(table.hasRoom()).isTrue();
      put(table, new Entry(i, i, i, "p", "t"));
    }
    assertThat(table.hasRoom()).isFalse();
    assertThat(table.sweep(3)).isEqualTo(3);
    assertThat(table.hasRoom()).isTrue();
    assertThatThrownBy(() -> new PendingEntries(100)).isInstanceOf(IllegalArgumentException.class);
  }
}
