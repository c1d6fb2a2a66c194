package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Who the agent reports as: host name, kernel boot id and release. */
public record HostIdentity(String host, String bootId, String kernelRelease) {

  /** {@code host} if given, else $NODE_NAME (Kubernetes downward API), else the kernel host name. */
  public static HostIdentity detect(String host, HostRoot root) throws IOException {
    return detect(host, System.getenv(), root.sysctlKernel());
  }

  static HostIdentity detect(String host, Map<String, String> env, Path procSysKernel) throws IOException {
    String name = host;
    if (name == null || name.isBlank()) {
      name = env.get("NODE_NAME");
    }
    if (name == null || name.isBlank()) {
      name = read(procSysKernel.resolve("hostname"));
    }
    return new HostIdentity(name.trim(), read(procSysKernel.resolve("random/boot_id")),
        read(procSysKernel.resolve("osrelease")));
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p).trim();
  }
}
