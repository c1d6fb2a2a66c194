package io.fleetacct.common.cli;

import picocli.CommandLine.Option;

/** Where the query API and the web console listen: one declaration for every command that serves them. */
public final class HttpOptions {

  public static final String BIND = "127.0.0.1";
  public static final int PORT = 8080;

  @Option(names = "--http-bind", paramLabel = "ADDRESS",
      description = "Address of the query API and the web console (default: ${DEFAULT-VALUE}).")
  public String bind = BIND;

  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Port of the query API and the web console (default: ${DEFAULT-VALUE}; 0: any free port).")
  public int port = PORT;

  /** Refuses a port outside 0-65535. */
  public void validate() {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--http-port must be 0 to 65535, not " + port);
    }
  }
}
