package io.fleetacct.agent.taskstats;

import java.io.IOException;
import java.nio.file.Files;
import io.fleetacct.agent.host.HostRoot;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** A set of CPUs in the kernel's list format ("0-3,8-11"), as in /sys/devices/system/cpu/possible. */
public final class CpuList {

  private static final int MAX_CPU = 1 << 16;

  private final BitSet cpus;

  private CpuList(BitSet cpus) {
    this.cpus = cpus;
  }

  /** Parses "0-3,8-11"; throws IllegalArgumentException naming the bad part. */
  public static CpuList parse(String text) {
    BitSet set = new BitSet();
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("empty CPU list");
    }
    for (String part : trimmed.split(",")) {
      String[] range = part.trim().split("-", -1);
      try {
        if (range.length == 1) {
          set.set(cpu(range[0]));
        } else if (range.length == 2) {
          int from = cpu(range[0]);
          int to = cpu(range[1]);
          if (to < from) {
            throw new IllegalArgumentException("CPU range " + part + " runs backwards");
          }
          set.set(from, to + 1);
        } else {
          throw new IllegalArgumentException("bad CPU range '" + part + "'");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad CPU list '" + text.trim() + "': '" + part + "' is not a CPU or range");
      }
    }
    return new CpuList(set);
  }

  private static int cpu(String s) {
    int cpu = Integer.parseInt(s.trim());
    if (cpu < 0 || cpu >= MAX_CPU) {
      throw new IllegalArgumentException("CPU " + cpu + " out of range");
    }
    return cpu;
  }

  /** Every CPU the kernel could bring online: listener lists exist for each, online or not, so register them all. */
  public static CpuList possible(HostRoot root) throws IOException {
    return parse(Files.readString(root.possibleCpus()));
  }

  public List<Integer> cpus() {
    return cpus.stream().boxed().toList();
  }

  public int size() {
    return cpus.cardinality();
  }

  public boolean containsAll(CpuList other) {
    BitSet extra = (BitSet) other.cpus.clone();
    extra.andNot(cpus);
    return extra.isEmpty();
  }

  /** Splits into at most {@code n} lists of consecutive CPUs, as even as possible. */
  public List<CpuList> split(int n) {
    List<Integer> all = cpus();
    int parts = Math.max(1, Math.min(n, all.size()));
    List<CpuList> out = new ArrayList<>();
    for (int p = 0; p < parts; p++) {
      BitSet s = new BitSet();
      for (int i = p * all.size() / parts; i < (p + 1) * all.size() / parts; i++) {
        s.set(all.get(i));
      }
      out.add(new CpuList(s));
    }
    return out;
  }

  /** The kernel's list format, with ranges: "0-3,8". */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int start = cpus.nextSetBit(0); start >= 0; ) {
      int end = cpus.nextClearBit(start) - 1;
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(start);
      if (end > start) {
        sb.append('-').append(end);
      }
      start = cpus.nextSetBit(end + 1);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CpuList other && cpus.equals(other.cpus);
  }

  @Override
  public int hashCode() {
    return cpus.hashCode();
  }
}
