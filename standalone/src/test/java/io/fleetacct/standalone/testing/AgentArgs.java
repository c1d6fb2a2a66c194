package io.fleetacct.standalone.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a test's agent child process ({@code fleetacct-agent run}): topics of the
 * test's application, one socket per CPU (so every lost exit is a counted gap), heartbeats every
 * second, metrics on the given port, then whatever the test adds.
 */
public final class AgentArgs {

  private AgentArgs() {}

  public static String[] run(String bootstrap, String app, Path spool, int metricsPort, String host, String... more) {
    List<String> args = new ArrayList<>(List.of("run", "--bootstrap-servers", bootstrap, "--topic", app + ".exits",
        "--status-topic", app + ".status", "--spool-dir", spool.toString(), "--sockets", "per-cpu",
        "--metrics-port", String.valueOf(metricsPort), "--host", host, "--heartbeat-interval", "1"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }
}
