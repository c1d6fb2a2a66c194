package io.fleetacct.agent.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

  /** (exact, false), (exact, true), (proc, false), (proc, true): the mode, and whether two CPU hogs run. */
  public static Stream<Arguments> withAndWithoutHogs() {
    return Stream.of(Arguments.of(AttributionMode.exact, false), Arguments.of(AttributionMode.exact, true),
        Arguments.of(AttributionMode.proc, false), Arguments.of(AttributionMode.proc, true));
  }

  /** Starts {@code mode}'s attributor; a test of exact mode is skipped, saying why, where it cannot load. */
  public static Attributor start(AttributionMode mode, CgroupMounts mounts) throws Exception {
    if (mode == AttributionMode.exact) {
      String problem = AttributionMode.exactProblem(HostRoot.real(), mounts);
      assumeTrue(problem == null, "exact mode not possible here: " + problem);
    }
    return mode.start(HostRoot.real(), mounts, HostIdentity.detect(null, HostRoot.real()).kernelRelease());
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
