package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** This process's effective capabilities, from /proc/self/status. */
public record Capabilities(long effective) {

  public static final int CAP_DAC_READ_SEARCH = 2;
  public static final int CAP_NET_ADMIN = 12;
  public static final int CAP_SYS_ADMIN = 21;
  public static final int CAP_PERFMON = 38;
  public static final int CAP_BPF = 39;

  public static Capabilities ofSelf(HostRoot root) throws IOException {
    for (String line : Files.readAllLines(root.self("status"))) {
      if (line.startsWith("CapEff:")) {
        return new Capabilities(Long.parseUnsignedLong(line.substring(7).trim(), 16));
      }
    }
    throw new IOException("no CapEff line in /proc/self/status");
  }

  /** Names by number, as in include/uapi/linux/capability.h. */
  private static final String[] NAMES = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
      "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
      "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
      "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
      "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
      "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE"};

  public boolean has(int capability) {
    return (effective & (1L << capability)) != 0;
  }

  /** What the agent can use: exits, delay accounting, exact attribution (with cgroup ids by handle). */
  private static final long USED = 1L << CAP_NET_ADMIN | 1L << CAP_SYS_ADMIN | 1L << CAP_BPF | 1L << CAP_PERFMON
      | 1L << CAP_DAC_READ_SEARCH;

  /** Whether BPF programs can be loaded for exact attribution (CAP_SYS_ADMIN covers it before 5.8). */
  public boolean canLoadTracingPrograms() {
    return has(CAP_BPF) && has(CAP_PERFMON) || has(CAP_SYS_ADMIN);
  }

  /** Capabilities held beyond what the agent can use, by name. */
  public List<String> beyondTheAgentsNeeds() {
    List<String> extra = new ArrayList<>();
    for (int cap = 0; cap < 64; cap++) {
      if (has(cap) && (USED & 1L << cap) == 0) {
        extra.add(cap < NAMES.length ? NAMES[cap] : "capability " + cap);
      }
    }
    return extra;
  }
}
