package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.command.Command;

/** Where one exit belongs: its cgroup (as found, or not) and its process's command. */
public record ExitAttribution(Attribution cgroup, Command command) {}
