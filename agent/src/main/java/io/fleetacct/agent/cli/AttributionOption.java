package io.fleetacct.agent.cli;

import io.fleetacct.agent.cgroup.AttributionMode;
import picocli.CommandLine.Option;

/** How exits find their cgroup: shared by {@code listen}, {@code run} and {@code fleetacct up}. */
public final class AttributionOption {

  @Option(names = "--attribution", paramLabel = "auto|exact|proc",
      description = "How exits find their cgroup (default: ${DEFAULT-VALUE}). exact: the kernel says it at the exit"
          + " (a BPF program; needs CAP_BPF and CAP_PERFMON, and cgroup2); proc: the proc connector and /proc, which"
          + " misses some processes that move and exit at once; auto: exact where possible, else proc.")
  public AttributionMode mode = AttributionMode.auto;
}
