package io.fleetacct.agent.cli;

import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.publish.ExitRecords;
import io.fleetacct.agent.taskstats.ExitListener;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.common.cli.UntilStopped;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.json.RecordJson;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "listen", mixinStandardHelpOptions = true,
    description = {"Prints every exit as it happens, one JSON object per line in the shape of the TaskExit"
        + " record (task.ac_comm, task.cpu_delay_total, cgroup, thread_group ...), or as a table.",
        "Stops on SIGINT or SIGTERM (deregistering from the kernel), or after --count exits or --duration."})
final class ListenCommand implements Callable<Integer> {

  @Mixin ListenerOptions listenerOptions;

  @Option(names = "--format", defaultValue = "json", description = "json or table (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--all-fields", description = "With --format table: every field of each exit on several lines,"
      + " every delay kind, instead of one line per exit.")
  boolean allFields;

  @Option(names = "--host", description = "Host name to report (default: $NODE_NAME, else the kernel's).")
  String host;

  @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Stop after N exits (0: never).")
  long count;

  @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
      description = "Stop after this many seconds (0: never).")
  long durationSeconds;

  @Option(names = "--no-cgroups", description = "Do not attribute exits to cgroups (no BPF, no proc connector).")
  boolean noCgroups;

  @Override
  public Integer call() throws Exception {
    if (count < 0 || durationSeconds < 0) {
      throw new IllegalArgumentException("--count and --duration must not be negative");
    }
    HostRoot root = HostRoot.real();
    ExitListener.Options options = listenerOptions.toOptions(root);
    HostIdentity identity = HostIdentity.detect(host, root);
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
    AtomicLong printed = new AtomicLong();
    ListenerCounters counters = new ListenerCounters();
    // A signal's hook waits (10 s at most) for the summary line below.
    try (UntilStopped life = UntilStopped.install("listen", Duration.ofSeconds(10))) {
      Attributor tracker = noCgroups ? null : listenerOptions.attribution.mode.start(root,
          CgroupMounts.of(root), identity.kernelRelease(), null);
      if (tracker != null) {
        System.err.println("listen: attribution " + tracker.mode());
      }
      try {
        ExitRecords records = new ExitRecords(identity, tracker);
        try (ExitListener listener = ExitListener.start(options, (exit, at, socket, missed) -> {
          ExitRecords.Encoded encoded = records.encode(exit, at);
          synchronized (out) {
            if (count > 0 && printed.get() >= count) {
              return;
            }
            TaskExit record = encoded.toRecord(printed.get());
            if (format == Format.json) {
              RecordJson.write(record, out);
              out.write('\n');
            } else if (allFields) {
              out.print(StatsTable.exit(record));
            } else {
              if (printed.get() % 40 == 0) {
                out.print(StatsTable.header()); // again now and then, as top and vmstat do
              }
              out.print(StatsTable.line(record));
            }
            out.flush();
            if (printed.incrementAndGet() == count) {
              life.stop();
            }
          }
        }, counters)) {
          if (durationSeconds > 0) {
            life.await(Duration.ofSeconds(durationSeconds));
          } else {
            life.await();
          }
        }
      } finally {
        if (tracker != null) {
          tracker.close();
        }
        System.err.printf("listen: %d exits received, %d printed; kernel overflow events %d, sequence gaps %d,"
                + " decode errors %d%n", counters.received.sum(), printed.get(), counters.kernelOverflowEvents.sum(),
            counters.kernelSequenceGaps.sum(), counters.decodeErrors());
      }
    }
    return 0;
  }
}
