package io.fleetacct.agent.cgroup;

/**
 * Picks the attribution path out of a /proc/PID/cgroup file ("hierarchy-id:controllers:path"
 * lines): the cgroup2 line ("0::") when the host mounts cgroup2, else the v1 line of the
 * attribution hierarchy (cpu,cpuacct or name=systemd).
 */
public final class ProcCgroup {

  private final boolean useV2;
  private final String v1Controller;

  /** @param v1Controller a controller the v1 line must list ("cpu", "name=systemd"), if not using v2 */
  public ProcCgroup(boolean useV2, String v1Controller) {
    this.useV2 = useV2;
    this.v1Controller = v1Controller;
  }

  public static ProcCgroup forHost(CgroupMounts mounts) {
    if (mounts.v2().isPresent()) {
      return new ProcCgroup(true, null);
    }
    String hierarchy = mounts.v1AttributionHierarchy().orElse("cpu");
    return new ProcCgroup(false, hierarchy.contains("cpu") ? "cpu" : "name=systemd");
  }

  /** Whether the cgroup2 ("0::") line is the one read. */
  public boolean usesV2() {
    return useV2;
  }

  /** The path for this host's attribution hierarchy, or null if the file has no such line. */
  public String path(CharSequence file) {
    int start = 0;
    int len = file.length();
    while (start < len) {
      int end = start;
      while (end < len && file.charAt(end) != '\n') {
        end++;
      }
      String path = match(file, start, end);
      if (path != null) {
        return path;
      }
      start = end + 1;
    }
    return null;
  }

  private String match(CharSequence file, int start, int end) {
    int c1 = indexOf(file, ':', start, end);
    int c2 = c1 < 0 ? -1 : indexOf(file, ':', c1 + 1, end);
    if (c2 < 0 || c2 + 1 >= end + 1) {
      return null;
    }
    String path = file.subSequence(c2 + 1, end).toString();
    if (useV2) {
      return c1 == start + 1 && file.charAt(start) == '0' && c2 == c1 + 1 ? path : null;
    }
    String controllers = file.subSequence(c1 + 1, c2).toString();
    for (String c : controllers.split(",")) {
      if (c.equals(v1Controller)) {
        return path;
      }
    }
    return null;
  }

  private static int indexOf(CharSequence s, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }
}
