package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerIdsTest {

  private static final String ID = "4c1b9f8e7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c";
  private static final String POD = "0f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f";

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      // kubelet systemd driver, containerd
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3e4d5c_6b7a_4c8d_9e0f_1a2b3c4d5e6f.slice/cri-containerd-" + ID + ".scope | " + ID + " | " + POD,
      // systemd driver, guaranteed QoS (no QoS slice), CRI-O
      "/kubepods.slice/kubepods-pod0f3e4d5c_6b7a_4c8d_9e0f_1a2b3c4d5e6f.slice/crio-" + ID + ".scope | " + ID + " | " + POD,
      // systemd driver, besteffort, docker (dockershim / cri-dockerd)
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f3e4d5c_6b7a_4c8d_9e0f_1a2b3c4d5e6f.slice/docker-" + ID + ".scope | " + ID + " | " + POD,
      // cgroupfs driver
      "/kubepods/burstable/pod0f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f/" + ID + " | " + ID + " | " + POD,
      "/kubepods/pod0f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f/" + ID + " | " + ID + " | " + POD,
      // the pod's own cgroup (pause-less processes, pod-level accounting)
      "/kubepods/besteffort/pod0f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f | - | " + POD,
      // containerd's CRI sandbox process inside a nested scope of a process in the container
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3e4d5c_6b7a_4c8d_9e0f_1a2b3c4d5e6f.slice/cri-containerd-" + ID + ".scope/init | " + ID + " | " + POD,
      // plain docker, cgroupfs and systemd drivers
      "/docker/" + ID + " | " + ID + " | -",
      "/system.slice/docker-" + ID + ".scope | " + ID + " | -",
      // podman
      "/machine.slice/libpod-" + ID + ".scope | " + ID + " | -",
      "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope/container | " + ID + " | -",
      "/libpod_parent/libpod-" + ID + " | " + ID + " | -",
      // not containers
      "/system.slice/cron.service | - | -",
      "/user.slice/user-1000.slice/session-3.scope | - | -",
      "/ | - | -",
      // a 64-hex name that is not a whole path element is not an id
      "/system.slice/x" + ID + ".service | - | -",
  })
  void parsesEveryKnownShape(String path, String container, String pod) {
    ContainerIds.Ids ids = ContainerIds.parse(path);
    assertThat(ids.containerId()).isEqualTo(container);
    assertThat(ids.podUid()).isEqualTo(pod);
  }
}
