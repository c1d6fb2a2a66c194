package io.fleetacct.agent.record;

import io.fleetacct.agent.cgroup.CgroupTracker;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.TaskExit;
import java.time.Instant;
import java.util.UUID;

/**
 * Turns decoded exits into {@link TaskExit} records: host identity, this agent instance, the
 * cgroup and container ids. Thread-safe: receive threads call it concurrently. agent_seq is left
 * to whoever orders the records (the publisher numbers them as it queues them).
 */
public final class ExitRecords {

  private final HostIdentity host;
  private final String agentInstance;
  private final CgroupTracker cgroups;

  /** @param cgroups where to attribute exits, or null to leave cgroup fields null */
  public ExitRecords(HostIdentity host, CgroupTracker cgroups) {
    this(host, UUID.randomUUID().toString(), cgroups);
  }

  public ExitRecords(HostIdentity host, String agentInstance, CgroupTracker cgroups) {
    this.host = host;
    this.agentInstance = agentInstance;
    this.cgroups = cgroups;
  }

  public String agentInstance() {
    return agentInstance;
  }

  public TaskExit toRecord(ExitNotification exit, long receivedAtMillis) {
    CgroupTracker.Attribution where = cgroups == null
        ? null
        : cgroups.attribute(exit.tgid() != 0 ? exit.tgid() : exit.pid(), exit.task().getAcPpid(), exit.endsProcess());
    TaskExit r = new TaskExit();
    r.setHost(host.host());
    r.setBootId(host.bootId());
    r.setAgentInstance(agentInstance);
    r.setKernelRelease(host.kernelRelease());
    r.setReceivedAt(Instant.ofEpochMilli(receivedAtMillis));
    if (where != null) {
      r.setCgroup(where.cgroup());
      r.setContainerId(where.containerId());
      r.setPodUid(where.podUid());
    }
    r.setTask(exit.task());
    r.setThreadGroup(exit.threadGroup());
    return r;
  }
}
