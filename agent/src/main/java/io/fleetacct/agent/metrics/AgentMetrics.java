package io.fleetacct.agent.metrics;

import io.fleetacct.agent.cgroup.AttributionCounters;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.CgroupTracker;
import io.fleetacct.agent.host.DelayAccounting;
import io.fleetacct.agent.publish.Publisher;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.sample.SamplerCounters;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.taskstats.MalformedMessageException;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;

/** The agent's counters as Prometheus metrics, read when scraped. */
public final class AgentMetrics {

  private AgentMetrics() {}

  public static PrometheusRegistry registry(ListenerCounters listener, PublisherCounters publisher,
                                            Attributor attributor, Publisher pub, SamplerCounters sampler,
                                            IntSupplier sampledThreads) {
    PrometheusRegistry r = new PrometheusRegistry();
    counter(r, "fleetacct_agent_exits_received", "Exit notifications received and decoded.", listener.received);
    counter(r, "fleetacct_agent_records_published", "Records Kafka acknowledged.", publisher.published);
    counter(r, "fleetacct_agent_records_spooled", "Records written to the disk spool.", publisher.spooled);
    counter(r, "fleetacct_agent_records_dropped",
        "Records given up: spool full, or refused by Kafka for good. Each is an agent_seq gap.", publisher.dropped);
    counter(r, "fleetacct_agent_kernel_overflow_events",
        "ENOBUFS from recv: the kernel dropped notifications for a full socket buffer.", listener.kernelOverflowEvents);
    counter(r, "fleetacct_agent_kernel_sequence_gaps",
        "Notifications missing from per-CPU sequence numbers (sockets that cover one CPU).",
        listener.kernelSequenceGaps);
    counter(r, "fleetacct_agent_encoded_bytes", "Avro bytes of the records handed to Kafka (before compression).",
        publisher.encodedBytes);
    counter(r, "fleetacct_agent_publish_errors", "Send attempts Kafka refused or that timed out.",
        publisher.publishErrors);
    counter(r, "fleetacct_agent_status_errors", "Heartbeats that could not be sent.", publisher.statusErrors);
    CounterWithCallback.builder().name("fleetacct_agent_spool_corrupt_frames")
        .help("Spool frames that failed their checksum or were torn by a crash.")
        .callback(cb -> cb.call(pub.spoolCorruptFrames())).register(r);
    counter(r, "fleetacct_agent_newer_struct_version",
        "Exits whose struct version is newer than the agent knows (known fields decoded).",
        listener.newerStructVersion);
    counter(r, "fleetacct_agent_handler_errors", "Exits lost to a failure between decoding and queueing.",
        listener.handlerErrors);
    CounterWithCallback.builder().name("fleetacct_agent_decode_errors")
        .help("Netlink messages refused, by reason.").labelNames("reason")
        .callback(cb -> {
          for (MalformedMessageException.Reason reason : MalformedMessageException.Reason.values()) {
            cb.call(listener.decodeErrors(reason), reason.name());
          }
        }).register(r);
    AttributionCounters a = attributor.counters();
    bySource(r, "fleetacct_agent_attributions",
        "Exits by how their cgroup was found (the records' cgroup_source; none: not attributed).",
        CgroupSource.values(), CgroupSource.unknown, a::get);
    bySource(r, "fleetacct_agent_commands", "Exits by how their process's command was found (the records'"
        + " command_source; own: the thread's own name stood in).", CommandSource.values(), CommandSource.unknown, a::get);
    counter(r, "fleetacct_agent_exit_hook_waits", "Exact mode: exits that arrived before the kernel's exit-hook"
        + " entry and were waited for.", a.exitHookWaits);
    counter(r, "fleetacct_agent_exit_hook_timeouts", "Exact mode: exits whose exit-hook entry did not come within"
        + " the wait (attributed by /proc at exit, or not at all).", a.exitHookTimeouts);
    counter(r, "fleetacct_agent_exit_hook_stale", "Exact mode: entries of an earlier task with the same thread id,"
        + " dropped.", a.exitHookStale);
    counter(r, "fleetacct_agent_cgroup_ids_unresolved", "Exact mode: cgroup ids whose directory was gone before it"
        + " was seen.", a.unresolvedCgroupIds);
    counter(r, "fleetacct_agent_proc_event_overflows", "Proc mode: proc connector socket overflows (fork/exec events"
        + " lost).", a.procEventOverflows);
    counter(r, "fleetacct_agent_cgroup_map_full", "Proc mode: processes not remembered because the pid to cgroup map"
        + " was full (attributed at exit or through the parent instead).", a.mapFull);
    gauge(r, "fleetacct_agent_spool_records", "Records waiting in the disk spool.", pub::spooledRecords);
    gauge(r, "fleetacct_agent_spool_bytes", "Bytes of the disk spool.", pub::spooledBytes);
    gauge(r, "fleetacct_agent_queue_records", "Records waiting in memory for Kafka.", pub::queued);
    gauge(r, "fleetacct_agent_inflight_records", "Records handed to the producer that Kafka has not acknowledged"
        + " (kept, and saved to the spool by a stop).", pub::inFlight);
    gauge(r, "fleetacct_agent_highest_seq_sent", "Highest agent_seq Kafka acknowledged (-1: none).",
        publisher.highestSeqSent::get);
    gauge(r, "fleetacct_agent_struct_version", "struct taskstats version of the last exit.",
        listener.structVersion::get);
    gauge(r, "fleetacct_agent_delayacct_enabled", "1 when kernel.task_delayacct is on.",
        () -> DelayAccounting.enabled() ? 1 : 0);
    counter(r, "fleetacct_agent_sample_cycles", "Samplings of every live thread done.", sampler.cycles);
    counter(r, "fleetacct_agent_samples", "TaskSample records made (one per thread group that changed).",
        sampler.samples);
    counter(r, "fleetacct_agent_sampled_threads_read", "Live threads read (TASKSTATS_CMD_GET) over all samplings.",
        sampler.threadsRead);
    counter(r, "fleetacct_agent_sample_errors", "Thread reads or sampling journal writes that failed (read again"
        + " next time; a failed journal write lets a restart publish some threads' figures again).", sampler.errors);
    gauge(r, "fleetacct_agent_sample_cycle_seconds", "How long the last sampling of every live thread took.",
        () -> sampler.lastCycleNanos.get() / 1e9);
    gauge(r, "fleetacct_agent_sampled_threads", "Live threads whose published figures the agent keeps.",
        sampledThreads::getAsInt);
    if (attributor instanceof CgroupTracker tracker) {
      gauge(r, "fleetacct_agent_cgroup_map_entries", "Proc mode: processes in the pid to cgroup map.", tracker::size);
    }
    return r;
  }

  /** A counter labelled by source, a series per value of a records' source enum but {@code unknown} (older agents). */
  private static <E extends Enum<E>> void bySource(PrometheusRegistry r, String name, String help, E[] sources,
                                                   E unknown, ToLongFunction<E> count) {
    CounterWithCallback.builder().name(name).help(help).labelNames("source")
        .callback(cb -> {
          for (E s : sources) {
            if (s != unknown) {
              cb.call(count.applyAsLong(s), s.name());
            }
          }
        }).register(r);
  }

  private static void counter(PrometheusRegistry r, String name, String help, LongAdder value) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.sum())).register(r);
  }

  private static void gauge(PrometheusRegistry r, String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(r);
  }
}
