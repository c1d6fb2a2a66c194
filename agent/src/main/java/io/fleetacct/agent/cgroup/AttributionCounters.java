package io.fleetacct.agent.cgroup;

import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * How attribution went: exits per {@link CgroupSource} and per {@link CommandSource}, and every way
 * it can fall short.
 */
public final class AttributionCounters {

  private final LongAdder[] bySource = new LongAdder[CgroupSource.values().length];
  private final LongAdder[] byCommandSource = new LongAdder[CommandSource.values().length];
  /** Exact mode: exits whose kernel entry was not in the map yet when they arrived. */
  public final LongAdder exitHookWaits = new LongAdder();
  /** Exact mode: exits whose kernel entry did not come within the wait. */
  public final LongAdder exitHookTimeouts = new LongAdder();
  /** Exact mode: entries left by an earlier task with the same thread id (dropped, not used). */
  public final LongAdder exitHookStale = new LongAdder();
  /**
   * Exact mode: exit-hook entries read from the ring buffer that found no room in the table of
   * entries waiting for their exits (their exits wait, then fall back to /proc); 0 elsewhere.
   */
  public volatile LongSupplier exitHookLostEntries = () -> 0;
  /** Exact mode: cgroup ids that no longer had a directory when first seen. */
  public final LongAdder unresolvedCgroupIds = new LongAdder();
  /** Proc mode: proc connector socket overflows (fork and exec events lost). */
  public final LongAdder procEventOverflows = new LongAdder();
  /** Proc mode: processes not remembered because the pid map was full. */
  public final LongAdder mapFull = new LongAdder();

  public AttributionCounters() {
    for (int i = 0; i < bySource.length; i++) {
      bySource[i] = new LongAdder();
    }
    for (int i = 0; i < byCommandSource.length; i++) {
      byCommandSource[i] = new LongAdder();
    }
  }

  /** Counts one exit's attribution and returns it. */
  public ExitAttribution count(ExitAttribution a) {
    bySource[a.cgroup().source().ordinal()].increment();
    byCommandSource[a.command().source().ordinal()].increment();
    return a;
  }

  public long get(CommandSource source) {
    return byCommandSource[source.ordinal()].sum();
  }

  /** Exits per command source, by the source's name (those with none left out). */
  public Map<String, Long> commandsBySource() {
    Map<String, Long> m = new TreeMap<>();
    for (CommandSource s : CommandSource.values()) {
      long n = get(s);
      if (n > 0) {
        m.put(s.name(), n);
      }
    }
    return m;
  }

  public long get(CgroupSource source) {
    return bySource[source.ordinal()].sum();
  }
}
