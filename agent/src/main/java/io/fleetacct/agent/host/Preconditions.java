package io.fleetacct.agent.host;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the kernel demands before it sends exit notifications, each with what to do when it is
 * missing. {@code fleetacct-agent check} prints them among its other findings; the one-host mode
 * refuses to start anything while one is unmet.
 */
public final class Preconditions {

  public static final String NET_ADMIN_FIX = "CAP_NET_ADMIN missing: registering for exits needs it; run as root,"
      + " or in Kubernetes add the NET_ADMIN capability";
  public static final String USER_NS_FIX =
      "capabilities count only in the initial user namespace: do not run in a user namespace";
  public static final String PID_NS_FIX = "registration fails with EINVAL outside it: in Kubernetes set hostPID: true";
  public static final String NET_NS_FIX =
      "exits are delivered only there, silently: in Kubernetes set hostNetwork: true";

  private Preconditions() {}

  /** The unmet ones, one line each; empty when exits can be received (as far as can be told). */
  public static List<String> unmet(HostRoot root) throws IOException {
    List<String> unmet = new ArrayList<>();
    if (!Capabilities.ofSelf(root).has(Capabilities.CAP_NET_ADMIN)) {
      unmet.add(NET_ADMIN_FIX);
    }
    Namespaces ns = new Namespaces(root);
    notInitial(ns.inInitialUserNamespace(), "user", USER_NS_FIX, unmet);
    notInitial(ns.inInitialPidNamespace(), "PID", PID_NS_FIX, unmet);
    notInitial(ns.inInitialNetworkNamespace(), "network", NET_NS_FIX, unmet);
    return unmet;
  }

  /** The failure line for a namespace known not to be the initial one. */
  public static String notInitialNamespace(String which, String fix) {
    return "not in the initial " + which + " namespace: " + fix;
  }

  private static void notInitial(Optional<Boolean> initial, String which, String fix, List<String> unmet) {
    if (initial.isPresent() && !initial.get()) {
      unmet.add(notInitialNamespace(which, fix));
    }
  }
}
