package io.fleetacct.streams.topology;

import io.fleetacct.schema.TaskExit;
import java.util.function.Function;

/**
 * The four aggregations: how each keys an exit, and the names of its stores and output topics.
 * Composite keys join their parts with NUL, which neither host names nor cgroup paths contain.
 */
public enum Tables {
  BY_HOST("by-host", e -> e.getHost()),
  BY_CGROUP("by-cgroup", e -> cgroup(e)),
  BY_HOST_CGROUP("by-host-cgroup", e -> hostCgroupKey(e.getHost(), cgroup(e))),
  BY_COMMAND("by-command", e -> e.getTask().getAcComm());

  /** The cgroup key of exits the agent could not attribute (a real path starts with "/"). */
  public static final String UNATTRIBUTED = "(unattributed)";
  public static final char SEPARATOR = '\u0000';

  private final String id;
  private final Function<TaskExit, String> key;

  Tables(String id, Function<TaskExit, String> key) {
    this.id = id;
    this.key = key;
  }

  public String key(TaskExit exit) {
    return key.apply(exit);
  }

  /** All-time store: "totals-by-host" ... */
  public String totalsStore() {
    return "totals-" + id;
  }

  /** 1-minute windows store: "windows-by-host" ... */
  public String windowsStore() {
    return "windows-" + id;
  }

  public String id() {
    return id;
  }

  public static String hostCgroupKey(String host, String cgroup) {
    return host + SEPARATOR + cgroup;
  }

  private static String cgroup(TaskExit e) {
    return e.getCgroup() == null ? UNATTRIBUTED : e.getCgroup();
  }
}
