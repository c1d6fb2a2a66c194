package io.fleetacct.agent.cli;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.taskstats.CpuList;
import io.fleetacct.agent.taskstats.ExitListener;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How to listen to the kernel: shared by {@code listen} and {@code run}. */
public final class ListenerOptions {

  @Option(names = "--cpus", paramLabel = "LIST",
      description = "CPUs to register, e.g. 0-3,8 (default: every possible CPU, online or not).")
  String cpus;

  @Option(names = "--sockets", paramLabel = "N|per-cpu", defaultValue = "1",
      description = "Listener sockets, each with its own receive thread and a share of the CPUs"
          + " (default: ${DEFAULT-VALUE}); per-cpu: one for each CPU, so that gaps in the kernel's"
          + " per-CPU sequence numbers count every lost exit, across agent restarts too.")
  String sockets;

  @Option(names = "--socket-buffer", paramLabel = "BYTES", defaultValue = "" + ExitListener.DEFAULT_SOCKET_BUFFER,
      description = "Receive buffer per socket, set with SO_RCVBUFFORCE (default: ${DEFAULT-VALUE}).")
  int socketBuffer;

  @Option(names = "--batch-interval", paramLabel = "MS", defaultValue = ExitListener.DEFAULT_BATCH_INTERVAL_MS,
      description = "After draining a socket, sleep this long before the next read: fewer wake-ups,"
          + " less CPU, at most this much latency (default: ${DEFAULT-VALUE}; 0: none).")
  long batchIntervalMillis;

  @Mixin AttributionOption attribution;

  public ExitListener.Options toOptions(HostRoot root) throws IOException {
    CpuList possible = CpuList.possible(root);
    CpuList chosen = cpus == null ? possible : CpuList.parse(cpus);
    if (!possible.containsAll(chosen)) {
      throw new IllegalArgumentException("--cpus " + chosen + " is not within the possible CPUs " + possible);
    }
    int n;
    try {
      n = sockets.equals("per-cpu") ? chosen.size() : Integer.parseInt(sockets);
    } catch (NumberFormatException e) {
      n = 0;
    }
    if (n < 1) {
      throw new IllegalArgumentException("--sockets must be per-cpu or a number of at least 1, not " + sockets);
    }
    if (socketBuffer < 64 * 1024) {
      throw new IllegalArgumentException("--socket-buffer must be at least 65536 bytes, not " + socketBuffer);
    }
    if (batchIntervalMillis < 0 || batchIntervalMillis > 1000) {
      throw new IllegalArgumentException("--batch-interval must be 0 to 1000 ms, not " + batchIntervalMillis);
    }
    return new ExitListener.Options(chosen, n, socketBuffer, Duration.ofMillis(batchIntervalMillis));
  }
}
