package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.host.HostRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the cgroup hierarchies are mounted, read from a mountinfo file (proc(5)): never assume
 * /sys/fs/cgroup. Hosts are pure cgroup2, hybrid (v1 controllers plus cgroup2 at .../unified) or
 * pure v1.
 */
public final class CgroupMounts {

  /** A cgroup v1 hierarchy: its mount point and its controllers (and name=... option). */
  public record V1Mount(Path mountPoint, List<String> controllers) {}

  private final Path v2;
  private final List<V1Mount> v1;

  private CgroupMounts(Path v2, List<V1Mount> v1) {
    this.v2 = v2;
    this.v1 = List.copyOf(v1);
  }

  /** The cgroup mounts this process sees (its mountinfo). */
  public static CgroupMounts of(HostRoot root) throws IOException {
    return parse(Files.readAllLines(root.self("mountinfo")));
  }

  /** Parses mountinfo lines: "id parent maj:min root mountpoint options [optional...] - fstype source superoptions". */
  public static CgroupMounts parse(List<String> mountinfo) {
    Path v2 = null;
    List<V1Mount> v1 = new ArrayList<>();
    for (String line : mountinfo) {
      String[] f = line.split(" ");
      int dash = indexOf(f, "-");
      if (dash < 5 || dash + 3 > f.length) {
        continue;
      }
      String fstype = f[dash + 1];
      Path mountPoint = Path.of(unescape(f[4]));
      if (fstype.equals("cgroup2") && v2 == null) {
        v2 = mountPoint;
      } else if (fstype.equals("cgroup")) {
        List<String> controllers = new ArrayList<>();
        for (String opt : f[dash + 3].split(",")) {
          if (!opt.equals("rw") && !opt.equals("ro") && !opt.startsWith("release_agent")
              && !opt.equals("clone_children") && !opt.equals("noprefix") && !opt.equals("xattr")) {
            controllers.add(opt);
          }
        }
        v1.add(new V1Mount(mountPoint, controllers));
      }
    }
    return new CgroupMounts(v2, v1);
  }

  private static int indexOf(String[] f, String s) {
    for (int i = 6; i < f.length; i++) {
      if (f[i].equals(s)) {
        return i;
      }
    }
    return -1;
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The cgroup2 mount point, if the host mounts cgroup2. */
  public Optional<Path> v2() {
    return Optional.ofNullable(v2);
  }

  public List<V1Mount> v1() {
    return v1;
  }

  /** "cgroup2", "hybrid" (both) or "v1", the mode the agent attributes in. */
  public String mode() {
    if (v2 != null) {
      return v1.isEmpty() ? "cgroup2" : "hybrid";
    }
    return v1.isEmpty() ? "none" : "v1";
  }

  /** The v1 hierarchy to attribute by when there is no cgroup2: cpu,cpuacct, else name=systemd. */
  public Optional<String> v1AttributionHierarchy() {
    for (V1Mount m : v1) {
      if (m.controllers().contains("cpu")) {
        return Optional.of(String.join(",", m.controllers()));
      }
    }
    for (V1Mount m : v1) {
      if (m.controllers().contains("name=systemd")) {
        return Optional.of("name=systemd");
      }
    }
    return Optional.empty();
  }
}
