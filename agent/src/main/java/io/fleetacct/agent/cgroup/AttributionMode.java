package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.bpf.BpfException;
import io.fleetacct.agent.bpf.ExitCgroupProbe;
import io.fleetacct.agent.command.ProcComm;
import io.fleetacct.agent.command.ProcessCommands;
import io.fleetacct.agent.host.Capabilities;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.netlink.NetlinkException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How exits find their cgroup: the {@code --attribution} option of run, listen and up. */
public enum AttributionMode {
  /** exact where the kernel and the privileges allow it, else proc. */
  auto,
  /** The kernel says the cgroup at exit (BPF); refuses to start without it. */
  exact,
  /** The proc connector and /proc: no BPF, less exact for processes that move and die at once. */
  proc;

  private static final Logger log = LoggerFactory.getLogger(AttributionMode.class);

  /** What to grant for exact mode, for error lines and {@code check}. */
  public static final String EXACT_FIX = "grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8);"
      + " in Kubernetes add them to the agent's capabilities (chart value agent.exactAttribution=true)";

  /**
   * Starts the attributor this mode asks for on this host; exact mode says why it cannot be had.
   *
   * @param stateDir where exact mode remembers the kernel's task_struct layout; null: nowhere
   */
  public Attributor start(HostRoot root, CgroupMounts mounts, String kernelRelease, Path stateDir)
      throws NetlinkException, IOException {
    if (this != proc) {
      try {
        return startExact(root, mounts, null, stateDir);
      } catch (BpfException | IllegalStateException e) {
        if (this == exact) {
          throw new IllegalArgumentException("--attribution=exact is not possible here: " + e.getMessage()
              + (e instanceof BpfException b && b.lacksPrivilege() ? "; " + EXACT_FIX : ""), e);
        }
        log.warn("exact cgroup attribution not possible ({}): attributing by the proc connector and /proc",
            e.getMessage());
      }
    }
    ProcCgroupFiles files = new ProcCgroupFiles(root.proc(), ProcCgroup.forHost(mounts));
    ProcessCommands commands = new ProcessCommands(new ProcComm(root.proc()), 1 << 20);
    return ProcAttributor.start(files, commands, 1 << 20, Duration.ofSeconds(30), kernelRelease);
  }

  /**
   * Exact attribution over the exit hook's {@code transport}; null: the ring buffer where the
   * kernel has one, else the map (kernel tests run both).
   */
  public static Attributor startExact(HostRoot root, CgroupMounts mounts, ExitCgroupProbe.Transport transport,
                                     Path stateDir) throws BpfException, IOException {
    Path v2 = mounts.v2().orElseThrow(() -> new IllegalStateException(
        "no cgroup2 mount (a cgroup v1-only host has no cgroup id to report)"));
    ExitCgroupProbe.TaskLayout layout = ExitCgroupProbe.TaskLayout.ofRunningKernel(root, stateDir);
    ExitCgroupProbe probe = transport == null ? ExitCgroupProbe.attach(ExitCgroupProbe.DEFAULT_ENTRIES, layout)
        : ExitCgroupProbe.attach(ExitCgroupProbe.DEFAULT_ENTRIES, layout, transport);
    try {
      boolean byHandle = Capabilities.ofSelf(root).has(Capabilities.CAP_DAC_READ_SEARCH);
      CgroupIds ids = new CgroupIds(v2, byHandle);
      return new ExitHookAttributor(probe, ids, new ProcCgroupFiles(root.proc(), new ProcCgroup(true, null)),
          new ProcComm(root.proc()));
    } catch (IOException | RuntimeException e) {
      probe.close();
      throw e;
    }
  }

  /** Why exact mode cannot run here, or null when it can (attaches the probe and detaches it). */
  public static String exactProblem(HostRoot root, CgroupMounts mounts) {
    if (mounts.v2().isEmpty()) {
      return "no cgroup2 mount (a cgroup v1-only host has no cgroup id to report)";
    }
    try (ExitCgroupProbe probe = ExitCgroupProbe.attach(16, ExitCgroupProbe.TaskLayout.ofRunningKernel(root))) {
      return null;
    } catch (BpfException e) {
      return e.getMessage() + (e.lacksPrivilege() ? "; " + EXACT_FIX : "");
    }
  }
}
