package io.fleetacct.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.taskstats.CpuList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every reader of the host's /proc and /sys on a fake tree: nothing reads the real one behind its back. */
class FakeHostTreeTest {

  @TempDir Path dir;
  private HostRoot root;

  private void write(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private void link(Path p, String target) throws IOException {
    Files.createDirectories(p.getParent());
    Files.createSymbolicLink(p, Path.of(target));
  }

  @BeforeEach
  void fakeHost() throws IOException {
    root = HostRoot.under(dir);
    write(root.sysctlKernel().resolve("hostname"), "fake-node\n");
    write(root.sysctlKernel().resolve("random/boot_id"), "b00t\n");
    write(root.sysctlKernel().resolve("osrelease"), "6.99.0-fake\n");
    write(root.sysctlKernel().resolve("task_delayacct"), "0\n");
    write(root.possibleCpus(), "0-5,8\n");
    write(root.self("mountinfo"),
        "25 30 0:23 / /fake/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
    // CAP_NET_ADMIN (12) and CAP_BPF (39) only.
    write(root.self("status"), "Name:\tjava\nCapEff:\t" + Long.toHexString(1L << 12 | 1L << 39) + "\n");
    link(root.namespace("self", "user"), "user:[4026531837]"); // the initial one
    link(root.namespace("self", "pid"), "pid:[4026532999]"); // a container's
    link(root.namespace("self", "net"), "net:[4026531992]"); // a kernel with a dynamic init_net inode
    link(root.namespace("1", "net"), "net:[4026531992]");
  }

  @Test
  void identityCpusAndCgroupMountsComeFromTheTree() throws IOException {
    assertThat(HostIdentity.detect(null, root)).isEqualTo(new HostIdentity("fake-node", "b00t", "6.99.0-fake"));
    assertThat(CpuList.possible(root).cpus()).containsExactly(0, 1, 2, 3, 4, 5, 8);
    CgroupMounts mounts = CgroupMounts.of(root);
    assertThat(mounts.mode()).isEqualTo("cgroup2");
    assertThat(mounts.v2()).contains(Path.of("/fake/cgroup"));
  }

  @Test
  void delayAccountingIsReadAndTurnedOnInTheTree() throws IOException {
    DelayAccounting d = new DelayAccounting(root);
    assertThat(d.enabled()).isFalse();
    assertThat(d.enable()).as("was it on before").isFalse();
    assertThat(Files.readString(root.sysctlKernel().resolve("task_delayacct"))).isEqualTo("1\n");
    assertThat(d.enabled()).isTrue();
    assertThat(new DelayAccounting(HostRoot.under(dir.resolve("nothing"))).enabled())
        .as("a kernel without the switch").isFalse();
  }

  @Test
  void capabilitiesNamespacesAndPreconditionsComeFromTheTree() throws IOException {
    Capabilities caps = Capabilities.ofSelf(root);
    assertThat(caps.has(Capabilities.CAP_NET_ADMIN)).isTrue();
    assertThat(caps.has(Capabilities.CAP_SYS_ADMIN)).isFalse();
    Namespaces ns = new Namespaces(root);
    assertThat(ns.inInitialUserNamespace()).contains(true);
    assertThat(ns.inInitialPidNamespace()).contains(false);
    assertThat(ns.inInitialNetworkNamespace()).as("the same as pid 1's").contains(true);
    assertThat(Preconditions.unmet(root))
        .containsExactly(Preconditions.notInitialNamespace("PID", Preconditions.PID_NS_FIX));

    Files.delete(root.namespace("1", "net"));
    assertThat(ns.inInitialNetworkNamespace()).as("pid 1's unreadable: not known").isEqualTo(Optional.empty());
  }
}
