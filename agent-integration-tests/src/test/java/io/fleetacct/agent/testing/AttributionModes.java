package io.fleetacct.agent.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.agent.bpf.ExitCgroupProbe;
import io.fleetacct.agent.cgroup.AttributionMode;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The attribution modes kernel tests run in, each with and without CPU hogs, and how to start one. */
public final class AttributionModes {

  private AttributionModes() {}

  /**
   * The mode, the exit hook's transport in exact mode (null in proc mode), and whether two CPU hogs
   * run: exact over the ring buffer and proc with and without hogs, exact over the map (the
   * fallback of kernels before 5.8) with them.
   */
  public static Stream<Arguments> withAndWithoutHogs() {
    return Stream.of(Arguments.of(AttributionMode.exact, ExitCgroupProbe.Transport.RING, false),
        Arguments.of(AttributionMode.exact, ExitCgroupProbe.Transport.RING, true),
        Arguments.of(AttributionMode.exact, ExitCgroupProbe.Transport.MAP, true),
        Arguments.of(AttributionMode.proc, null, false), Arguments.of(AttributionMode.proc, null, true));
  }

  /** Starts {@code mode}'s attributor; a test of exact mode is skipped, saying why, where it cannot load. */
  public static Attributor start(AttributionMode mode, CgroupMounts mounts) throws Exception {
    return start(mode, null, mounts);
  }

  /** As {@link #start(AttributionMode, CgroupMounts)}, exact mode over {@code transport} (null: the best). */
  public static Attributor start(AttributionMode mode, ExitCgroupProbe.Transport transport, CgroupMounts mounts)
      throws Exception {
    if (mode == AttributionMode.exact) {
      String problem = AttributionMode.exactProblem(HostRoot.real(), mounts);
      assumeTrue(problem == null, "exact mode not possible here: " + problem);
      return AttributionMode.startExact(HostRoot.real(), mounts, transport, null);
    }
    return mode.start(HostRoot.real(), mounts, HostIdentity.detect(null, HostRoot.real()).kernelRelease(), null);
  }

  /** Shell loops that keep CPUs busy, so that proc mode races a loaded machine; stopped by close. */
  public static final class CpuHogs implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();

    /** {@code count} hogs, or none. */
    public static CpuHogs start(int count) throws IOException {
      CpuHogs h = new CpuHogs();
      for (int i = 0; i < count; i++) {
        h.processes.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
      }
      return h;
    }

    @Override
    public void close() throws InterruptedException {
      processes.forEach(Process::destroy);
      for (Process p : processes) {
        p.waitFor();
      }
    }
  }
}
