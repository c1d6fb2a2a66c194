package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupMountsTest {

  @Test
  void hybridHostHasV1ControllersAndUnified() {
    CgroupMounts m = CgroupMounts.parse(List.of(
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"));
    assertThat(m.v2()).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(m.mode()).isEqualTo("hybrid");
    assertThat(m.v1AttributionHierarchy()).contains("cpu");
  }

  @Test
  void pureCgroup2Host() {
    CgroupMounts m = CgroupMounts.parse(List.of(
        "25 30 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot"));
    assertThat(m.v2()).contains(Path.of("/sys/fs/cgroup"));
    assertThat(m.mode()).isEqualTo("cgroup2");
  }

  @Test
  void pureV1HostAttributesByCpuThenSystemd() {
    CgroupMounts m = CgroupMounts.parse(List.of(
        "26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid shared:6 - cgroup cgroup rw,xattr,name=systemd",
        "29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct"));
    assertThat(m.v2()).isEmpty();
    assertThat(m.mode()).isEqualTo("v1");
    assertThat(m.v1AttributionHierarchy()).contains("cpu,cpuacct");
    CgroupMounts systemdOnly = CgroupMounts.parse(List.of(
        "26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid shared:6 - cgroup cgroup rw,xattr,name=systemd"));
    assertThat(systemdOnly.v1AttributionHierarchy()).contains("name=systemd");
  }

  @Test
  void escapedMountPointsAreDecoded() {
    CgroupMounts m = CgroupMounts.parse(List.of("41 31 0:38 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw"));
    assertThat(m.v2()).contains(Path.of("/mnt/my cgroup"));
  }
}
