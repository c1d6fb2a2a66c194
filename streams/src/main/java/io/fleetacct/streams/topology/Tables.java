package io.fleetacct.streams.topology;

import java.util.function.Function;

/**
 * The four aggregations: how each keys an exit, and the names of its stores and output topics.
 * Composite keys join their parts with NUL, which neither host names nor cgroup paths contain.
 */
public enum Tables {
  BY_HOST("by-host", Contribution::host),
  BY_CGROUP("by-cgroup", Contribution::cgroup),
  BY_HOST_CGROUP("by-host-cgroup", c -> hostCgroupKey(c.host(), c.cgroup())),
  BY_COMMAND("by-command", Contribution::command);

  /** The cgroup key of exits the agent could not attribute (a real path starts with "/"). */
  public static final String UNATTRIBUTED = "(unattributed)";
  public static final char SEPARATOR = '\u0000';

  private final String id;
  private final Function<Contribution, String> key;

  Tables(String id, Function<Contribution, String> key) {
    this.id = id;
    this.key = key;
  }

  public String key(Contribution c) {
    return key.apply(c);
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
}
