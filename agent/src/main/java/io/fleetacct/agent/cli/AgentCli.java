package io.fleetacct.agent.cli;

import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.common.cli.Failures;
import io.fleetacct.common.cli.Version;
import io.fleetacct.schema.serde.FleetacctSchemas;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fleetacct-agent}: the host agent and its inspection commands. */
@Command(name = "fleetacct-agent", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Receives the kernel's taskstats exit notifications for all CPUs and attributes each"
        + " exit to its cgroup.",
    subcommands = {RunCommand.class, ListenCommand.class, CheckCommand.class, PidCommand.class, TgidCommand.class,
        CgroupstatsCommand.class, CommandLine.HelpCommand.class})
public final class AgentCli {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code: 0 done, 1 failed, 2 bad usage. */
  public static int run(String... args) {
    FleetacctSchemas.trustGeneratedClasses();
    return new CommandLine(new AgentCli())
        .setExecutionExceptionHandler(Failures.handler(null, NetlinkException.class))
        .execute(args);
  }
}
