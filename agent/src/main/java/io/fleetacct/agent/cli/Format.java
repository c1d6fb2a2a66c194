package io.fleetacct.agent.cli;

/** Output format of the inspection commands. */
enum Format {
  json,
  table
}
