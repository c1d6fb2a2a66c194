package io.fleetacct.agent.metrics;

import io.fleetacct.agent.cgroup.AttributionCounters;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.publish.Waiting;
import io.fleetacct.agent.sample.SamplerCounters;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.taskstats.MalformedMessageException;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;
import org.apache.avro.Schema;

/**
 * Every figure the agent counts, once: its name on /metrics ({@code fleetacct_agent_} and the
 * name; counters get {@code _total}), its help, counter or gauge, how it is read, and the
 * heartbeat field that carries it, if any. /metrics ({@link AgentMetrics}), the heartbeat
 * ({@link #fillHeartbeat}), the stop and status lines ({@link #total}) and the README check all read
 * this table; a new figure is one line here.
 */
public enum AgentFigure {
  EXITS_RECEIVED(Kind.COUNTER, "exits_received", "Exit notifications received and decoded.",
      Heartbeat.field("received"), s -> s.listener().received.sum()),
  RECORDS_PUBLISHED(Kind.COUNTER, "records_published", "Records Kafka acknowledged.",
      Heartbeat.field("published"), s -> s.publisher().published.sum()),
  RECORDS_SPOOLED(Kind.COUNTER, "records_spooled", "Records written to the disk spool.",
      Heartbeat.NONE, s -> s.publisher().spooled.sum()),
  RECORDS_DROPPED(Kind.COUNTER, "records_dropped",
      "Records given up: spool full, or refused by Kafka for good. Each is an agent_seq gap.",
      Heartbeat.field("dropped"), s -> s.publisher().dropped.sum()),
  KERNEL_OVERFLOW_EVENTS(Kind.COUNTER, "kernel_overflow_events",
      "ENOBUFS from recvmmsg: the kernel dropped notifications for a full socket buffer.",
      Heartbeat.field("kernel_overflow_events"), s -> s.listener().kernelOverflowEvents.sum()),
  KERNEL_SEQUENCE_GAPS(Kind.COUNTER, "kernel_sequence_gaps",
      "Notifications missing from per-CPU sequence numbers (sockets that cover one CPU).",
      Heartbeat.field("kernel_sequence_gaps"), s -> s.listener().kernelSequenceGaps.sum()),
  ENCODED_BYTES(Kind.COUNTER, "encoded_bytes", "Avro bytes of the records handed to Kafka (before compression).",
      Heartbeat.NONE, s -> s.publisher().encodedBytes.sum()),
  PUBLISH_ERRORS(Kind.COUNTER, "publish_errors", "Send attempts Kafka refused or that timed out.",
      Heartbeat.field("publish_errors"), s -> s.publisher().publishErrors.sum()),
  STATUS_ERRORS(Kind.COUNTER, "status_errors", "Heartbeats that could not be sent.",
      Heartbeat.NONE, s -> s.publisher().statusErrors.sum()),
  SPOOL_CORRUPT_FRAMES(Kind.COUNTER, "spool_corrupt_frames",
      "Spool frames that failed their checksum or were torn by a crash.",
      Heartbeat.NONE, s -> s.waiting().spoolCorruptFrames()),
  NEWER_STRUCT_VERSION(Kind.COUNTER, "newer_struct_version",
      "Exits whose struct version is newer than the agent knows (known fields decoded).",
      Heartbeat.NONE, s -> s.listener().newerStructVersion.sum()),
  HANDLER_ERRORS(Kind.COUNTER, "handler_errors", "Exits lost to a failure between decoding and queueing.",
      Heartbeat.NONE, s -> s.listener().handlerErrors.sum()),
  DECODE_ERRORS(Kind.COUNTER, "decode_errors", "Netlink messages refused, by reason.", "reason",
      Heartbeat.field("decode_errors"), s -> {
        Map<String, Long> m = new LinkedHashMap<>();
        for (MalformedMessageException.Reason r : MalformedMessageException.Reason.values()) {
          m.put(r.name(), s.listener().decodeErrors(r));
        }
        return m;
      }),
  ATTRIBUTIONS(Kind.COUNTER, "attributions",
      "Exits by how their cgroup was found (the records' cgroup_source; none: not attributed).", "source",
      Heartbeat.perSeries(source -> source.equals(CgroupSource.none.name()) ? "attribution_misses"
          : "attributed_" + source),
      s -> bySource(CgroupSource.values(), CgroupSource.unknown, c -> s.attribution().get(c))),
  COMMANDS(Kind.COUNTER, "commands", "Exits by how their process's command was found (the records'"
      + " command_source; own: the thread's own name stood in).", "source",
      Heartbeat.nonZeroAsMap("commands_by_source"),
      s -> bySource(CommandSource.values(), CommandSource.unknown, c -> s.attribution().get(c))),
  EXIT_HOOK_WAITS(Kind.COUNTER, "exit_hook_waits",
      "Exact mode: exits that arrived before the kernel's exit-hook entry and were waited for.",
      Heartbeat.field("exit_hook_waits"), s -> s.attribution().exitHookWaits.sum()),
  EXIT_HOOK_TIMEOUTS(Kind.COUNTER, "exit_hook_timeouts", "Exact mode: exits whose exit-hook entry did not come"
      + " within the wait (attributed by /proc at exit, or not at all).",
      Heartbeat.field("exit_hook_timeouts"), s -> s.attribution().exitHookTimeouts.sum()),
  EXIT_HOOK_STALE(Kind.COUNTER, "exit_hook_stale",
      "Exact mode: entries of an earlier task with the same thread id, dropped.",
      Heartbeat.NONE, s -> s.attribution().exitHookStale.sum()),
  EXIT_HOOK_LOST_ENTRIES(Kind.COUNTER, "exit_hook_lost_entries",
      "Exact mode: exit-hook entries read from the ring buffer with no room left to keep them.",
      Heartbeat.NONE, s -> s.attribution().exitHookLostEntries.getAsLong()),
  CGROUP_IDS_UNRESOLVED(Kind.COUNTER, "cgroup_ids_unresolved",
      "Exact mode: cgroup ids whose directory was gone before it was seen.",
      Heartbeat.NONE, s -> s.attribution().unresolvedCgroupIds.sum()),
  PROC_EVENT_OVERFLOWS(Kind.COUNTER, "proc_event_overflows",
      "Proc mode: proc connector socket overflows (fork/exec events lost).",
      Heartbeat.NONE, s -> s.attribution().procEventOverflows.sum()),
  CGROUP_MAP_FULL(Kind.COUNTER, "cgroup_map_full", "Proc mode: processes not remembered because the pid to cgroup"
      + " map was full (attributed at exit or through the parent instead).",
      Heartbeat.NONE, s -> s.attribution().mapFull.sum()),
  SPOOL_RECORDS(Kind.GAUGE, "spool_records", "Records waiting in the disk spool.",
      Heartbeat.field("spooled_records"), s -> s.waiting().spooledRecords()),
  SPOOL_BYTES(Kind.GAUGE, "spool_bytes", "Bytes of the disk spool.",
      Heartbeat.field("spooled_bytes"), s -> s.waiting().spooledBytes()),
  QUEUE_RECORDS(Kind.GAUGE, "queue_records", "Records waiting in memory for Kafka.",
      Heartbeat.NONE, s -> s.waiting().queued()),
  INFLIGHT_RECORDS(Kind.GAUGE, "inflight_records", "Records handed to the producer that Kafka has not acknowledged"
      + " (kept, and saved to the spool by a stop).", Heartbeat.NONE, s -> s.waiting().inFlight()),
  HIGHEST_SEQ_SENT(Kind.GAUGE, "highest_seq_sent", "Highest agent_seq Kafka acknowledged (-1: none).",
      Heartbeat.field("highest_seq_sent"), s -> s.publisher().highestSeqSent.get()),
  STRUCT_VERSION(Kind.GAUGE, "struct_version", "struct taskstats version of the last exit.",
      Heartbeat.field("struct_version"), s -> s.listener().structVersion.get()),
  DELAYACCT_ENABLED(Kind.GAUGE, "delayacct_enabled", "1 when kernel.task_delayacct is on.",
      Heartbeat.field("delayacct_enabled"), s -> s.delayacctEnabled().getAsInt()),
  SAMPLE_CYCLES(Kind.COUNTER, "sample_cycles", "Samplings of every live thread done.",
      Heartbeat.NONE, s -> s.sampler().cycles.sum()),
  SAMPLES(Kind.COUNTER, "samples", "TaskSample records made (one per thread group that changed).",
      Heartbeat.field("samples"), s -> s.sampler().samples.sum()),
  SAMPLED_THREADS_READ(Kind.COUNTER, "sampled_threads_read",
      "Live threads read (TASKSTATS_CMD_GET) over all samplings.",
      Heartbeat.NONE, s -> s.sampler().threadsRead.sum()),
  SAMPLE_ERRORS(Kind.COUNTER, "sample_errors", "Thread reads or sampling journal writes that failed (read again"
      + " next time; a failed journal write lets a restart publish some threads' figures again).",
      Heartbeat.field("sample_errors"), s -> s.sampler().errors.sum()),
  SAMPLE_CYCLE_NANOS(Kind.SECONDS, "sample_cycle_seconds", "How long the last sampling of every live thread took.",
      Heartbeat.NONE, s -> s.sampler().lastCycleNanos.get()),
  SAMPLED_THREADS(Kind.GAUGE, "sampled_threads", "Live threads whose published figures the agent keeps.",
      Heartbeat.field("sampled_threads"), s -> s.sampledThreads().getAsInt()),
  /** Proc mode only (absent where {@link Sources#cgroupMapEntries} is null). */
  CGROUP_MAP_ENTRIES(Kind.GAUGE, "cgroup_map_entries", "Proc mode: processes in the pid to cgroup map.",
      Heartbeat.NONE, s -> s.cgroupMapEntries().getAsInt());

  /** A counter only grows; a gauge is a level now; seconds are a gauge read in nanoseconds. */
  public enum Kind { COUNTER, GAUGE, SECONDS }

  /**
   * What the figures are read from; {@code cgroupMapEntries} null outside proc mode,
   * {@code delayacctEnabled} 1 when kernel.task_delayacct is on.
   */
  public record Sources(ListenerCounters listener, PublisherCounters publisher, AttributionCounters attribution,
                        Waiting waiting, SamplerCounters sampler, IntSupplier sampledThreads,
                        IntSupplier cgroupMapEntries, IntSupplier delayacctEnabled) {}

  private final Kind kind;
  private final String name;
  private final String help;
  private final String label;
  private final Heartbeat heartbeat;
  private final Function<Sources, Map<String, Long>> series;

  AgentFigure(Kind kind, String name, String help, Heartbeat heartbeat, ToLongFunction<Sources> read) {
    this(kind, name, help, null, heartbeat, s -> Map.of("", read.applyAsLong(s)));
  }

  AgentFigure(Kind kind, String name, String help, String label, Heartbeat heartbeat,
              Function<Sources, Map<String, Long>> series) {
    this.kind = kind;
    this.name = name;
    this.help = help;
    this.label = label;
    this.heartbeat = heartbeat;
    this.series = series;
  }

  public Kind kind() {
    return kind;
  }

  /** The name on /metrics, before Prometheus adds {@code _total} to a counter's. */
  public String metric() {
    return "fleetacct_agent_" + name;
  }

  public String help() {
    return help;
  }

  /** The label that tells its series apart; null for a figure of one series. */
  public String label() {
    return label;
  }

  /** Whether these sources have it (the pid map's size only in proc mode). */
  public boolean available(Sources s) {
    return this != CGROUP_MAP_ENTRIES || s.cgroupMapEntries() != null;
  }

  /** Its series by label value ("" for a figure of one series), in a stable order. */
  public Map<String, Long> series(Sources s) {
    return series.apply(s);
  }

  /** The sum of its series. */
  public long total(Sources s) {
    return series(s).values().stream().mapToLong(Long::longValue).sum();
  }

  /** A count per value of a records' source enum, but {@code unknown} (what records of older agents say). */
  private static <E extends Enum<E>> Map<String, Long> bySource(E[] sources, E unknown, ToLongFunction<E> count) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (E e : sources) {
      if (e != unknown) {
        m.put(e.name(), count.applyAsLong(e));
      }
    }
    return m;
  }

  /** Sets every heartbeat field the table fills, from {@code s}. */
  public static void fillHeartbeat(AgentStatus status, Sources s) {
    for (AgentFigure f : values()) {
      if (f.available(s)) {
        f.heartbeat.fill(status, f.series(s));
      }
    }
  }

  /** Where a figure goes in the heartbeat. */
  @FunctionalInterface
  private interface Heartbeat {
    Heartbeat NONE = (status, series) -> {};

    void fill(AgentStatus status, Map<String, Long> series);

    /** The sum of the series into one field. */
    static Heartbeat field(String name) {
      return (status, series) -> put(status, name, series.values().stream().mapToLong(Long::longValue).sum());
    }

    /** Each series into the field its label value names. */
    static Heartbeat perSeries(Function<String, String> fieldOf) {
      return (status, series) -> series.forEach((value, n) -> put(status, fieldOf.apply(value), n));
    }

    /** The series that are not zero, as a map field by label value. */
    static Heartbeat nonZeroAsMap(String name) {
      return (status, series) -> {
        Map<String, Long> m = new TreeMap<>();
        series.forEach((value, n) -> {
          if (n != 0) {
            m.put(value, n);
          }
        });
        status.put(name, m);
      };
    }

    /** A value into a long, int or boolean field (as the schema has it). */
    private static void put(AgentStatus status, String field, long value) {
      Schema.Field f = AgentStatus.getClassSchema().getField(field);
      if (f == null) {
        throw new IllegalStateException("AgentStatus has no field " + field);
      }
      status.put(f.pos(), switch (f.schema().getType()) {
        case INT -> Math.toIntExact(value);
        case BOOLEAN -> value != 0;
        default -> value;
      });
    }
  }
}
