package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether this process runs in the kernel's initial namespaces, where taskstats exit notifications
 * are delivered. The initial namespaces have fixed inode numbers (include/linux/proc_ns.h); for the
 * network namespace that holds only on kernels that fixed it, so there /proc/1/ns is compared too.
 */
public final class Namespaces {

  private static final long PROC_USER_INIT_INO = 0xEFFFFFFDL;
  private static final long PROC_PID_INIT_INO = 0xEFFFFFFCL;
  private static final long PROC_NET_INIT_INO = 0xEFFFFFF9L;
  private static final Pattern INODE = Pattern.compile(":\\[(\\d+)]");

  private final HostRoot root;

  public Namespaces(HostRoot root) {
    this.root = root;
  }

  /** true or false when known, empty when it cannot be told. */
  public Optional<Boolean> inInitialUserNamespace() {
    return inode("user").map(i -> i == PROC_USER_INIT_INO);
  }

  public Optional<Boolean> inInitialPidNamespace() {
    return inode("pid").map(i -> i == PROC_PID_INIT_INO);
  }

  public Optional<Boolean> inInitialNetworkNamespace() {
    Optional<Long> self = inode("net");
    if (self.isEmpty()) {
      return Optional.empty();
    }
    if (self.get() == PROC_NET_INIT_INO) {
      return Optional.of(true);
    }
    try {
      return Optional.of(Files.readSymbolicLink(root.namespace("1", "net"))
          .equals(Files.readSymbolicLink(root.namespace("self", "net"))));
    } catch (IOException | SecurityException e) {
      return Optional.empty(); // an older kernel's dynamic init_net inode, and /proc/1 unreadable
    }
  }

  private Optional<Long> inode(String ns) {
    try {
      Matcher m = INODE.matcher(Files.readSymbolicLink(root.namespace("self", ns)).toString());
      return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }
}
