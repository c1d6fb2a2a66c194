package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * kernel.task_delayacct: with 0 (the default) only the cpu_* delays are filled; with 1 every
 * delay kind is, for tasks started after it was set.
 */
public final class DelayAccounting {

  public static final Path SYSCTL = Path.of("/proc/sys/kernel/task_delayacct");

  private DelayAccounting() {}

  /** true when on; false when off or when this kernel has no such switch. */
  public static boolean enabled() {
    try {
      return Files.readString(SYSCTL).trim().equals("1");
    } catch (IOException e) {
      return false;
    }
  }

  /** Turns it on (needs CAP_SYS_ADMIN); returns whether it was on before. */
  public static boolean enable() throws IOException {
    boolean before = enabled();
    if (!before) {
      Files.writeString(SYSCTL, "1\n");
    }
    return before;
  }
}
