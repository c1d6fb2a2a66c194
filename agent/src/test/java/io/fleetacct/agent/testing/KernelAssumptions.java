package io.fleetacct.agent.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.host.Namespaces;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.taskstats.TaskstatsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Skips a test, saying why, where the real kernel interface it needs is not available. */
public final class KernelAssumptions {

  private KernelAssumptions() {}

  /** Root, the initial PID and network namespaces, and a kernel with taskstats. */
  public static void assumeExitNotifications() {
    assumeTrue(isRoot(), "needs root (CAP_NET_ADMIN) to register for taskstats exit notifications");
    assumeTrue(new Namespaces(HostRoot.real()).inInitialPidNamespace().orElse(false)
            && new Namespaces(HostRoot.real()).inInitialNetworkNamespace().orElse(true),
        "needs the initial PID and network namespaces: exit notifications are delivered only there");
    try {
      TaskstatsClient.resolveFamily();
    } catch (NetlinkException | RuntimeException | LinkageError e) {
      assumeTrue(false, "no taskstats netlink family here: " + e);
    }
  }

  public static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

}
