package io.fleetacct.standalone.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.schema.TaskStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The counting rules of DESIGN.md applied to the kernel's own records, for the fields tests compare. */
public final class KernelTotals {

  /** The query API's names of the fields {@link #of} sums. */
  private static final List<String> FIELDS =
      List.of("exits", "processes", "cpu_count", "cpu_delay_total", "ac_utime", "ac_stime");

  private static final int AGROUP = 0x20;

  private KernelTotals() {}

  public static Map<String, Long> of(List<TaskStats> exits) {
    Map<String, Long> t = new LinkedHashMap<>();
    t.put("exits", (long) exits.size());
    t.put("processes", exits.stream().filter(e -> (e.getAcFlag() & AGROUP) != 0).count());
    t.put("cpu_count", exits.stream().mapToLong(TaskStats::getCpuCount).sum());
    t.put("cpu_delay_total", exits.stream().mapToLong(TaskStats::getCpuDelayTotal).sum());
    t.put("ac_utime", exits.stream().mapToLong(TaskStats::getAcUtime).sum());
    t.put("ac_stime", exits.stream().mapToLong(TaskStats::getAcStime).sum());
    return t;
  }

  /** The same fields of a totals body of the query API, to compare with {@link #of}. */
  public static Map<String, Long> reported(JsonNode totals) {
    Map<String, Long> t = new LinkedHashMap<>();
    for (String f : FIELDS) {
      t.put(f, totals.get(f).asLong());
    }
    return t;
  }
}
