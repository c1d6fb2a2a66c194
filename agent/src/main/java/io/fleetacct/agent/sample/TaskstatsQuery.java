package io.fleetacct.agent.sample;

import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.taskstats.TaskstatsClient;
import io.fleetacct.schema.TaskStats;

/** The sampler's reads through the kernel: TASKSTATS_CMD_GET by thread id on a socket of its own. */
public final class TaskstatsQuery implements Sampler.Query {

  private TaskstatsClient client;

  @Override
  public TaskStats pid(long tid) throws NetlinkException {
    if (client == null) {
      client = TaskstatsClient.open(); // on the sampler's thread, at its first cycle
    }
    return client.queryPidIfAlive(tid);
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }
}
