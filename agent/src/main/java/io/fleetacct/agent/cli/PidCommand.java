package io.fleetacct.agent.cli;

import io.fleetacct.agent.taskstats.TaskstatsClient;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.json.RecordJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pid", mixinStandardHelpOptions = true,
    description = "Prints a live thread's statistics so far (TASKSTATS_CMD_ATTR_PID). Needs CAP_NET_ADMIN.")
class PidCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PID", description = "Thread id (any thread, or a zombie).")
  long id;

  @Option(names = "--format", defaultValue = "table", description = "json or table (default: ${DEFAULT-VALUE}).")
  Format format;

  TaskStats query(TaskstatsClient client) throws Exception {
    return client.queryPid(id);
  }

  @Override
  public Integer call() throws Exception {
    if (id <= 0 || id > 0xffffffffL) {
      throw new IllegalArgumentException("not a process id: " + id);
    }
    TaskStats stats;
    try (TaskstatsClient client = TaskstatsClient.open()) {
      stats = query(client);
    }
    if (format == Format.json) {
      System.out.println(RecordJson.toJson(stats));
    } else {
      System.out.print(table(stats));
    }
    return 0;
  }

  String table(TaskStats stats) {
    return String.format("%s pid %d tgid %d version %d%n", stats.getAcComm(), stats.getAcPid(), stats.getAcTgid(),
        stats.getVersion()) + StatsTable.stats(stats, "  ");
  }
}
