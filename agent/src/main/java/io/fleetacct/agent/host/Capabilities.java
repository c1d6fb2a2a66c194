package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's effective capabilities, from /proc/self/status. */
public record Capabilities(long effective) {

  public static final int CAP_NET_ADMIN = 12;
  public static final int CAP_SYS_ADMIN = 21;

  public static Capabilities ofSelf() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("CapEff:")) {
        return new Capabilities(Long.parseUnsignedLong(line.substring(7).trim(), 16));
      }
    }
    throw new IOException("no CapEff line in /proc/self/status");
  }

  public boolean has(int capability) {
    return (effective & (1L << capability)) != 0;
  }
}
