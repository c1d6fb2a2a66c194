package io.fleetacct.agent.bpf;

import jnr.ffi.Pointer;

/**
 * Exit-hook entries read from the ring buffer whose exits the agent has not taken yet, by thread
 * id: what the kernel's map held per key when the agent read it one key at a time. A thread id can
 * have several entries at once (a thread that execs takes its leader's id, and the new program may
 * end at once; ids wrap within seconds where pid_max is 32768): {@link #take} finds the oldest one
 * under the exit's own name. Entries whose exits never come (a CPU nobody listens to, a lost
 * message) are swept by age. Open addressing on primitive arrays, linear probing, deletion by
 * backward shift: nothing is allocated per entry. Not thread-safe.
 */
final class PendingEntries {

  /** Bytes of each comm kept: TASK_COMM_LEN. */
  static final int COMM_LEN = ExitCgroupProbe.COMM_LEN;

  private final int mask;
  private final int[] tid;
  private final long[] cgroupId;
  private final long[] ktime;
  /** Per slot: the leader's comm, then the thread's own. */
  private final byte[] comms;
  private final boolean[] used;
  private int size;

  /** Room for {@code capacity} entries (a power of two; kept at most three quarters full). */
  PendingEntries(int capacity) {
    if (Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    mask = capacity - 1;
    tid = new int[capacity];
    cgroupId = new long[capacity];
    ktime = new long[capacity];
    comms = new byte[capacity * 2 * COMM_LEN];
    used = new boolean[capacity];
  }

  int size() {
    return size;
  }

  /** Whether another entry fits. */
  boolean hasRoom() {
    return size < (mask + 1) / 4 * 3;
  }

  private int home(int t) {
    return (t * 0x9E3779B9) >>> 7 & mask;
  }

  /** Adds an entry; the two comms are read from {@code memory} at the offsets given. Call only with room. */
  void put(int t, long cgroup, long time, Pointer memory, long leaderCommOffset, long commOffset) {
    int i = home(t);
    while (used[i]) {
      i = (i + 1) & mask;
    }
    used[i] = true;
    tid[i] = t;
    cgroupId[i] = cgroup;
    ktime[i] = time;
    memory.get(leaderCommOffset, comms, i * 2 * COMM_LEN, COMM_LEN);
    memory.get(commOffset, comms, i * 2 * COMM_LEN + COMM_LEN, COMM_LEN);
    size++;
  }

  /**
   * Takes the oldest entry of thread {@code t} named {@code comm}: fills {@code out} with its
   * cgroup id and time and {@code leaderComm} with the leader's comm, and returns true; false when
   * there is none. Entries of the same id under other names stay: they are other tasks'.
   */
  boolean take(int t, String comm, long[] out, byte[] leaderComm) {
    int found = -1;
    for (int i = home(t); used[i]; i = (i + 1) & mask) {
      if (tid[i] == t && sameComm(i, comm) && (found < 0 || ktime[i] < ktime[found])) {
        found = i;
      }
    }
    if (found < 0) {
      return false;
    }
    out[0] = cgroupId[found];
    out[1] = ktime[found];
    System.arraycopy(comms, found * 2 * COMM_LEN, leaderComm, 0, COMM_LEN);
    remove(found);
    return true;
  }

  /** Removes every entry written before {@code ktimeLimit}; returns how many. */
  int sweep(long ktimeLimit) {
    int removed = 0;
    for (int i = 0; i <= mask; i++) {
      while (used[i] && ktime[i] < ktimeLimit) { // the shift may bring another entry into slot i
        remove(i);
        removed++;
      }
    }
    return removed;
  }

  /** Empties slot {@code i}, moving later entries of its probe run back so that every lookup still finds them. */
  private void remove(int i) {
    used[i] = false;
    size--;
    int hole = i;
    for (int j = (i + 1) & mask; used[j]; j = (j + 1) & mask) {
      int h = home(tid[j]);
      // j may move to the hole unless its home lies cyclically in (hole, j]
      boolean stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
      if (!stays) {
        tid[hole] = tid[j];
        cgroupId[hole] = cgroupId[j];
        ktime[hole] = ktime[j];
        System.arraycopy(comms, j * 2 * COMM_LEN, comms, hole * 2 * COMM_LEN, 2 * COMM_LEN);
        used[hole] = true;
        used[j] = false;
        hole = j;
      }
    }
  }

  /** Whether the entry's own comm is {@code comm} (ASCII compared byte by byte; a non-ASCII name is not compared). */
  private boolean sameComm(int slot, String comm) {
    return ExitCgroupProbe.sameComm(comms, slot * 2 * COMM_LEN + COMM_LEN, comm);
  }
}
