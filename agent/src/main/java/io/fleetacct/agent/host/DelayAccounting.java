package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * kernel.task_delayacct: with 0 (the default) only the cpu_* delays are filled; with 1 every
 * delay kind is, for tasks started after it was set.
 */
public final class DelayAccounting {

  private final Path sysctl;

  public DelayAccounting(HostRoot root) {
    this.sysctl = root.sysctlKernel().resolve("task_delayacct");
  }

  /** true when on; false when off or when this kernel has no such switch. */
  public boolean enabled() {
    try {
      return Files.readString(sysctl).trim().equals("1");
    } catch (IOException e) {
      return false;
    }
  }

  /** Turns it on (needs CAP_SYS_ADMIN); returns whether it was on before. */
  public boolean enable() throws IOException {
    boolean before = enabled();
    if (!before) {
      Files.writeString(sysctl, "1\n");
    }
    return before;
  }
}
