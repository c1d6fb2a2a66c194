package io.fleetacct.standalone.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a test's streams instance in a child process ({@code fleetacct-streams run}):
 * topics of the test's application and one standby replica, then whatever the test adds (Kafka
 * settings as {@code -X key=value}).
 */
public final class StreamsArgs {

  private StreamsArgs() {}

  public static String[] run(String bootstrap, String app, Path stateDir, int httpPort, String... more) {
    List<String> args = new ArrayList<>(List.of("run", "--bootstrap-servers", bootstrap, "--application-id", app,
        "--state-dir", stateDir.toString(), "--http-port", String.valueOf(httpPort), "--standby-replicas", "1",
        "--exits-topic", app + ".exits", "--status-topic", app + ".status", "--dead-letter-topic", app + ".dlq",
        "--output-prefix", app + "."));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }
}
