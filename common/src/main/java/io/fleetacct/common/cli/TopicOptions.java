package io.fleetacct.common.cli;

import picocli.CommandLine.Option;

/**
 * The topics the agents write and the streams application reads, with their default names: one
 * declaration for {@code fleetacct-agent run} and {@code fleetacct-streams run}.
 */
public final class TopicOptions {

  public static final String EXITS = "fleetacct.exits";
  public static final String STATUS = "fleetacct.agent-status";

  // --topic: the agent's name for it before 0.3.0.
  @Option(names = {"--exits-topic", "--topic"}, paramLabel = "TOPIC",
      description = "Topic of the exit and sample records (default: ${DEFAULT-VALUE}).")
  public String exits = EXITS;

  @Option(names = "--status-topic", paramLabel = "TOPIC",
      description = "Topic of the agents' heartbeats (default: ${DEFAULT-VALUE}).")
  public String status = STATUS;
}
