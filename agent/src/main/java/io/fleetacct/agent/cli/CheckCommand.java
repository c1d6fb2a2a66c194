package io.fleetacct.agent.cli;

import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.cgroup.ProcConnector;
import io.fleetacct.agent.host.Capabilities;
import io.fleetacct.agent.host.DelayAccounting;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.host.Namespaces;
import io.fleetacct.agent.host.Preconditions;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.TaskstatsClient;
import io.fleetacct.schema.TaskStats;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Checks that this host and this process can receive exit notifications, and says how to fix"
        + " what is missing.", "Exit code 0 when exits can be received, 1 when not."})
final class CheckCommand implements Callable<Integer> {

  private final PrintStream out = System.out;
  private boolean fatal;

  @Override
  public Integer call() throws Exception {
    HostRoot root = HostRoot.real();
    HostIdentity id = HostIdentity.detect(null, root);
    ok("kernel " + id.kernelRelease() + ", host " + id.host());

    Capabilities caps = Capabilities.ofSelf(root);
    require(caps.has(Capabilities.CAP_NET_ADMIN), "CAP_NET_ADMIN held", Preconditions.NET_ADMIN_FIX);
    if (caps.has(Capabilities.CAP_SYS_ADMIN)) {
      out.println("note CAP_SYS_ADMIN held: needed only for run --enable-delayacct; drop it otherwise");
    }
    List<String> extra = caps.beyondTheAgentsNeeds();
    if (!extra.isEmpty()) {
      warn(extra.size() + " capabilities held that the agent does not use: " + String.join(", ", extra)
          + "; it needs CAP_NET_ADMIN, and CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH for exact attribution"
          + " (in Kubernetes: capabilities drop [ALL], add [NET_ADMIN, BPF, PERFMON, DAC_READ_SEARCH])");
    }
    Namespaces ns = new Namespaces(root);
    namespace(ns.inInitialUserNamespace(), "user", Preconditions.USER_NS_FIX);
    namespace(ns.inInitialPidNamespace(), "PID", Preconditions.PID_NS_FIX);
    namespace(ns.inInitialNetworkNamespace(), "network", Preconditions.NET_NS_FIX);

    try (TaskstatsClient client = TaskstatsClient.open()) {
      ok("taskstats netlink family, id " + client.familyId());
      try {
        TaskStats self = client.queryPid(ProcessHandle.current().pid());
        ok("struct taskstats version " + self.getVersion());
      } catch (NetlinkException e) {
        fail("cannot query this process's taskstats: " + e.getMessage());
      }
    } catch (NetlinkException e) {
      fail("no taskstats: " + e.getMessage() + "; the kernel needs CONFIG_TASKSTATS");
    }

    if (new DelayAccounting(root).enabled()) {
      ok("kernel.task_delayacct=1: every delay kind is accounted");
    } else {
      warn("kernel.task_delayacct=0: only cpu_* delays are filled; set it to 1 (sysctl kernel.task_delayacct=1,"
          + " or run --enable-delayacct); it covers tasks started afterwards");
    }
    ok("possible CPUs " + CpuList.possible(root));
    CgroupMounts mounts = CgroupMounts.of(root);
    switch (mounts.mode()) {
      case "cgroup2", "hybrid" -> ok("cgroup mode " + mounts.mode() + ", attributing by cgroup2 at "
          + mounts.v2().orElseThrow());
      case "v1" -> ok("cgroup mode v1, attributing by the " + mounts.v1AttributionHierarchy().orElse("?")
          + " hierarchy");
      default -> warn("no cgroup hierarchy mounted: exits will carry no cgroup");
    }
    String exactProblem = AttributionMode.exactProblem(root, mounts);
    if (exactProblem == null) {
      ok("exact cgroup attribution: the BPF exit hook loads (--attribution auto and exact use it)");
      if (!caps.has(Capabilities.CAP_DAC_READ_SEARCH)) {
        warn("no CAP_DAC_READ_SEARCH: a new cgroup's id is resolved by walking the cgroup2 tree, and a cgroup"
            + " made and removed between two walks is not named; grant it to look ids up directly");
      }
    } else {
      warn("exact cgroup attribution not possible: " + exactProblem + "; --attribution auto falls back to proc"
          + " mode, which misses some processes that move into a cgroup and exit at once (docs/attribution.md)");
    }
    try (ProcConnector ignored = ProcConnector.open(64 * 1024, ProcConnector.kernelFilters(id.kernelRelease()))) {
      ok("proc connector (fork and exec events, for proc-mode attribution)");
    } catch (NetlinkException e) {
      if (exactProblem == null) {
        ok("no proc connector (" + e.getMessage() + "): not needed in exact mode");
      } else {
        warn("no proc connector: " + e.getMessage() + "; proc mode then reads cgroups at exit only, and"
            + " short-lived processes are often missed (the kernel needs CONFIG_PROC_EVENTS)");
      }
    }
    out.println(fatal ? "exits cannot be received here: fix the FAIL lines" : "ready to receive exits");
    return fatal ? 1 : 0;
  }

  private void namespace(Optional<Boolean> initial, String which, String fix) {
    if (initial.isEmpty()) {
      warn("cannot tell whether this is the initial " + which + " namespace (" + fix + ")");
    } else {
      require(initial.get(), "initial " + which + " namespace", Preconditions.notInitialNamespace(which, fix));
    }
  }

  private void require(boolean condition, String okText, String failText) {
    if (condition) {
      ok(okText);
    } else {
      fail(failText);
    }
  }

  private void ok(String s) {
    out.println("ok   " + s);
  }

  private void warn(String s) {
    out.println("warn " + s);
  }

  private void fail(String s) {
    out.println("FAIL " + s);
    fatal = true;
  }
}
