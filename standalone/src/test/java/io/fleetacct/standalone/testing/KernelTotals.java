package io.fleetacct.standalone.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.schema.TaskStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The counting rules (docs/counting-rules.md) applied to the kernel's own records, for the fields tests compare. */
public final class KernelTotals {

  /** The query API's names of the fields {@link #of} counts: exits, processes and additive fields. */
  private static final List<String> FIELDS = List.of("exits", "processes", "cpu_count", "cpu_delay_total",
      "cpu_run_real_total", "cpu_run_virtual_total", "ac_utime", "ac_stime", "ac_minflt", "ac_majflt", "nvcsw",
      "nivcsw", "read_char", "write_char");
  private static final List<String> SUMMED = FIELDS.subList(2, FIELDS.size());

  private static final int AGROUP = 0x20;

  private KernelTotals() {}

  public static Map<String, Long> of(List<TaskStats> exits) {
    Map<String, Long> t = new LinkedHashMap<>();
    t.put("exits", (long) exits.size());
    t.put("processes", exits.stream().filter(e -> (e.getAcFlag() & AGROUP) != 0).count());
    for (String f : SUMMED) {
      int pos = TaskStats.getClassSchema().getField(f).pos();
      t.put(f, exits.stream().mapToLong(e -> (Long) e.get(pos)).sum());
    }
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
