package io.fleetacct.agent.cgroup;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Container id and Kubernetes pod UID from a cgroup path, for the shapes that container runtimes
 * and kubelet's cgroup drivers make:
 * <ul>
 *   <li>systemd driver: {@code kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope}
 *       (also {@code crio-<id>.scope}, {@code docker-<id>.scope})</li>
 *   <li>cgroupfs driver: {@code /kubepods/burstable/pod<uid>/<id>}</li>
 *   <li>plain docker ({@code /docker/<id>}, {@code docker-<id>.scope}) and podman
 *       ({@code libpod-<id>.scope}, {@code /libpod_parent/libpod-<id>})</li>
 * </ul>
 */
public final class ContainerIds {

  /** What a cgroup path says; either part may be null. */
  public record Ids(String containerId, String podUid) {
    public static final Ids NONE = new Ids(null, null);
  }

  private static final Pattern POD = Pattern.compile(
      "pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\\.slice)?(?:/|$)");
  private static final Pattern SCOPE = Pattern.compile(
      "(?:^|/)(?:cri-containerd|crio|docker|libpod|containerd)-([0-9a-f]{64})\\.scope(?:/|$)");
  private static final Pattern BARE = Pattern.compile("(?:^|/)(?:libpod-)?([0-9a-f]{64})(?:/|$)");

  private ContainerIds() {}

  public static Ids parse(String cgroupPath) {
    if (cgroupPath == null || cgroupPath.isEmpty()) {
      return Ids.NONE;
    }
    String pod = null;
    Matcher m = POD.matcher(cgroupPath);
    if (m.find()) {
      pod = m.group(1).replace('_', '-');
    }
    String container = null;
    Matcher s = SCOPE.matcher(cgroupPath);
    if (s.find()) {
      container = s.group(1);
    } else {
      Matcher b = BARE.matcher(cgroupPath);
      if (b.find()) {
        container = b.group(1);
      }
    }
    return pod == null && container == null ? Ids.NONE : new Ids(container, pod);
  }
}
