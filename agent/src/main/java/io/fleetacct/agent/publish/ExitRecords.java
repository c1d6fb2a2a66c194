package io.fleetacct.agent.publish;

import io.fleetacct.agent.cgroup.Attribution;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.ExitAttribution;
import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.sample.SampledThreads;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.TaskExit;
import java.time.Instant;
import java.util.UUID;

/**
 * Turns decoded exits into {@link TaskExit} records: host identity, this agent instance, the
 * cgroup and container ids, the process's command, and what samples published for the thread. Thread-safe: receive threads call it concurrently. agent_seq is left
 * to whoever orders the records (the publisher numbers them as it queues them).
 */
public final class ExitRecords {

  private final HostIdentity host;
  private final String agentInstance;
  private final Attributor cgroups;
  private final SampledThreads sampled;

  /** @param cgroups where to attribute exits, or null to leave cgroup fields null */
  public ExitRecords(HostIdentity host, Attributor cgroups) {
    this(host, UUID.randomUUID().toString(), cgroups, null);
  }

  /** @param sampled what samples published for live threads, or null when the agent does not sample */
  public ExitRecords(HostIdentity host, String agentInstance, Attributor cgroups, SampledThreads sampled) {
    this.host = host;
    this.agentInstance = agentInstance;
    this.cgroups = cgroups;
    this.sampled = sampled;
  }

  public String agentInstance() {
    return agentInstance;
  }

  public TaskExit toRecord(ExitNotification exit, long receivedAtMillis) {
    ExitAttribution attributed = cgroups == null
        ? new ExitAttribution(Attribution.NONE, Command.ofExit(exit)) : cgroups.attribute(exit);
    Attribution where = attributed.cgroup();
    TaskExit r = new TaskExit();
    r.setHost(host.host());
    r.setBootId(host.bootId());
    r.setAgentInstance(agentInstance);
    r.setKernelRelease(host.kernelRelease());
    r.setReceivedAt(Instant.ofEpochMilli(receivedAtMillis));
    if (where.cgroup() != null) {
      r.setCgroup(where.cgroup().path());
      r.setContainerId(where.cgroup().containerId());
      r.setPodUid(where.cgroup().podUid());
    }
    r.setCgroupSource(where.source());
    r.setCommand(attributed.command().name());
    r.setCommandSource(attributed.command().source());
    r.setTask(exit.task());
    r.setThreadGroup(exit.threadGroup());
    if (sampled != null) {
      r.setSampled(sampled.take(exit.task().getAcPid(), exit.task().getAcBtime64()));
    }
    return r;
  }
}
