package io.fleetacct.agent.cli;

import io.fleetacct.agent.Agent;
import java.time.Duration;
import picocli.CommandLine.Option;

/** What the agent reports and samples: shared by {@code fleetacct-agent run} and {@code fleetacct up}. */
public final class AgentOptions {

  @Option(names = "--host", paramLabel = "NAME", description = "Host name to report (default: $NODE_NAME, else the kernel's).")
  public String host;

  @Option(names = "--enable-delayacct",
      description = "Turn kernel.task_delayacct on (needs CAP_SYS_ADMIN), so that every delay kind is accounted;"
          + " it covers tasks started afterwards and stays on.")
  public boolean enableDelayacct;

  @Option(names = "--sample-interval", paramLabel = "SECONDS",
      description = "Seconds between samples of every live thread (TaskSample records, so that long-running"
          + " processes are accounted every interval, not only when they exit; default: ${DEFAULT-VALUE};"
          + " 0: exits only).")
  public long sampleSeconds = Agent.Config.DEFAULT_SAMPLE_INTERVAL.toSeconds();

  /** The sample interval (zero: exits only); refuses a negative one. */
  public Duration sampleInterval() {
    if (sampleSeconds < 0) {
      throw new IllegalArgumentException("--sample-interval must not be negative, not " + sampleSeconds);
    }
    return Duration.ofSeconds(sampleSeconds);
  }

  /** These options over {@code config}. */
  public Agent.Config.Builder applyTo(Agent.Config.Builder config) {
    return config.host(host).enableDelayacct(enableDelayacct).sampleInterval(sampleInterval());
  }
}
