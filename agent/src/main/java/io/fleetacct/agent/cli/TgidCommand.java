package io.fleetacct.agent.cli;

import io.fleetacct.agent.taskstats.TaskstatsClient;
import io.fleetacct.schema.TaskStats;
import picocli.CommandLine.Command;

@Command(name = "tgid", mixinStandardHelpOptions = true,
    description = "Prints a thread group's statistics: its exited threads plus the live ones"
        + " (TASKSTATS_CMD_ATTR_TGID; delays, times and switches only). Needs CAP_NET_ADMIN.")
final class TgidCommand extends PidCommand {

  @Override
  TaskStats query(TaskstatsClient client) throws Exception {
    return client.queryTgid(id);
  }

  @Override
  String table(TaskStats stats) {
    return StatsTable.threadGroup(id, stats, "  ");
  }
}
