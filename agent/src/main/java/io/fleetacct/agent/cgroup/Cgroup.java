package io.fleetacct.agent.cgroup;

/** A cgroup as records name it: its path and the container and pod ids parsed from that path. */
public record Cgroup(String path, String containerId, String podUid) {

  public static Cgroup of(String path) {
    ContainerIds.Ids ids = ContainerIds.parse(path);
    return new Cgroup(path, ids.containerId(), ids.podUid());
  }
}
