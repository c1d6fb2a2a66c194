package io.fleetacct.agent.cli;

import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.netlink.Errno;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.taskstats.CgroupStats;
import io.fleetacct.agent.taskstats.TaskstatsClient;
import io.fleetacct.common.cli.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "cgroupstats", mixinStandardHelpOptions = true,
    description = {"Prints how many tasks of a cgroup sleep, run, are stopped, wait uninterruptibly or for IO"
        + " (CGROUPSTATS_CMD_GET).",
        "The kernel supports this on cgroup v1 hierarchies only; tasks in freezable sleeps count nowhere."})
final class CgroupstatsCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PATH", description = "A cgroup v1 directory, e.g. /sys/fs/cgroup/cpu/mygroup.")
  Path path;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(path)) {
      throw new UserError(path + " is not a directory");
    }
    CgroupMounts mounts = CgroupMounts.of(HostRoot.real());
    Path real = path.toRealPath();
    if (mounts.v2().isPresent() && real.startsWith(mounts.v2().get())
        && mounts.v1().stream().noneMatch(m -> real.startsWith(m.mountPoint()))) {
      throw new UserError(path + " is on cgroup2: the kernel supports cgroupstats on cgroup v1"
          + " only (cgroup2 has cpu.pressure and cgroup.stat instead)");
    }
    CgroupStats s;
    try (TaskstatsClient client = TaskstatsClient.open()) {
      s = client.cgroupstats(real.toString());
    } catch (NetlinkException e) {
      if (e.errno() == Errno.EINVAL) {
        throw new UserError(path + ": the kernel refused it (EINVAL): not a cgroup v1 directory;"
            + " cgroupstats supports cgroup v1 only");
      }
      throw e;
    }
    System.out.printf("sleeping %d running %d stopped %d uninterruptible %d io_wait %d%n",
        s.nrSleeping(), s.nrRunning(), s.nrStopped(), s.nrUninterruptible(), s.nrIoWait());
    return 0;
  }
}
