package io.fleetacct.streams.topology;

import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.serde.AvroAnySerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.serde.Sequenced;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate every record of the exits topic passes (a TaskExit or a live process's TaskSample, in
 * one agent_seq sequence): decodes it (a record that does not decode goes on, raw, marked as
 * poison, with headers saying why), then counts each agent_seq of each agent instance once. An
 * instance's records arrive in agent_seq order (the agent guarantees it, and they share one
 * partition through the host key), so a high-water mark suffices: a seq at or below it is a
 * duplicate from a replay and is dropped; a seq above it by more than one leaves a gap, which is
 * counted: exits lost between the kernel and Kafka (the agent skips the numbers of exits the kernel
 * announced but it never received, and a restarted agent continues its instance's sequence).
 * Last, it says whether the 1-minute windows take the record ({@link WindowAdmission}); those they
 * do not take are counted per instance too.
 *
 * <p>Besides the per-instance counts in the progress store, each task counts what it saw in Kafka
 * Streams metrics (group {@value #METRIC_GROUP}, exported on /metrics): poison records, replayed
 * records dropped, sequence numbers missing, and records outside the windows.
 */
public final class SequenceGuard implements Processor<String, byte[], String, SequenceGuard.Checked> {

  private static final Logger log = LoggerFactory.getLogger(SequenceGuard.class);
  public static final String HEADER_ERROR = "fleetacct.error";
  public static final String HEADER_TOPIC = "fleetacct.source.topic";
  public static final String HEADER_OFFSET = "fleetacct.source.offset";

  public static final String METRIC_GROUP = "fleetacct-sequence-guard";

  /**
   * A decoded record (TaskExit or TaskSample) and whether the windows take it, or the raw bytes of
   * a poison record.
   */
  public record Checked(SpecificRecord record, boolean windowed, byte[] poison) {}

  private final String progressStore;
  private final WindowAdmission admission;
  private final AvroAnySerde serde = FleetacctSerdes.exitOrSample();
  private ProcessorContext<String, Checked> context;
  private KeyValueStore<String, InstanceProgress> progress;
  private Sensor poison;
  private Sensor replayed;
  private Sensor missing;
  private Sensor outside;

  public SequenceGuard(String progressStore, WindowAdmission admission) {
    this.progressStore = progressStore;
    this.admission = admission;
  }

  @Override
  public void init(ProcessorContext<String, Checked> context) {
    this.context = context;
    this.progress = context.getStateStore(progressStore);
    poison = sum("poison-records", "Records that did not decode, sent to the dead-letter topic.");
    replayed = sum("replayed-records", "Records dropped because their agent_seq was counted already.");
    missing = sum("missing-seqs", "agent_seq numbers skipped: exits lost between the kernel and Kafka.");
    outside = sum("outside-windows", "Records counted all-time only: stamped before the window retention or over"
        + " an hour ahead of this application's clock.");
  }

  /** A running total for this task, tagged with the thread and task like Kafka Streams' own. */
  private Sensor sum(String name, String description) {
    Sensor sensor = context.metrics().addSensor(context.taskId() + "." + name, Sensor.RecordingLevel.INFO);
    sensor.add(new MetricName(name + "-total", METRIC_GROUP, description, Map.of(
        "thread-id", Thread.currentThread().getName(), "task-id", context.taskId().toString())), new CumulativeSum());
    return sensor;
  }

  @Override
  public void close() {
    for (Sensor s : new Sensor[] {poison, replayed, missing, outside}) {
      if (s != null) {
        context.metrics().removeSensor(s);
      }
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    SpecificRecord decoded;
    try {
      if (record.value() == null) {
        throw new SerializationException("null value (a tombstone) where an exit was expected");
      }
      decoded = serde.deserialize(context.recordMetadata().map(m -> m.topic()).orElse("?"), record.value());
    } catch (SerializationException e) {
      Headers h = record.headers();
      h.add(HEADER_ERROR, String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
      context.recordMetadata().ifPresent(m -> {
        h.add(HEADER_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8));
        h.add(HEADER_OFFSET, (m.partition() + "@" + m.offset()).getBytes(StandardCharsets.UTF_8));
      });
      log.warn("poison record to the dead-letter topic: {}", e.getMessage());
      poison.record(1);
      context.forward(record.withValue(new Checked(null, false, record.value() == null ? new byte[0] : record.value())));
      return;
    }
    Sequenced at = Sequenced.of(decoded);
    InstanceProgress p = progress.get(at.agentInstance());
    if (p == null) {
      p = InstanceProgress.newBuilder().setHost(at.host()).setAgentInstance(at.agentInstance())
          .setHighestSeq(-1).setRecords(0).setGaps(0).setDuplicates(0).setLastSeen(Instant.EPOCH).build();
    }
    long seq = at.agentSeq();
    if (seq <= p.getHighestSeq()) {
      p.setDuplicates(p.getDuplicates() + 1);
      replayed.record(1);
      progress.put(at.agentInstance(), p);
      return;
    }
    long gap = seq - p.getHighestSeq() - 1;
    if (gap > 0) {
      p.setGaps(p.getGaps() + gap);
      missing.record(gap);
    }
    p.setHighestSeq(seq);
    p.setRecords(p.getRecords() + 1);
    p.setLastSeen(at.time());
    WindowAdmission.Verdict verdict = admission.of(record.timestamp(), context.currentSystemTimeMs());
    switch (verdict) {
      case TOO_OLD -> p.setOutsideWindowsTooOld(p.getOutsideWindowsTooOld() + 1);
      case AHEAD -> p.setOutsideWindowsAhead(p.getOutsideWindowsAhead() + 1);
      case IN -> { }
    }
    if (verdict != WindowAdmission.Verdict.IN) {
      outside.record(1);
    }
    // Threads' lives before the agent watched them happened in no window we know of.
    boolean carriedOver = decoded instanceof TaskSample s && s.getCarriedOver();
    if (carriedOver) {
      p.setCarriedOverSamples(p.getCarriedOverSamples() + 1);
    }
    progress.put(at.agentInstance(), p);
    context.forward(record.withValue(new Checked(decoded, verdict == WindowAdmission.Verdict.IN && !carriedOver,
        null)));
  }
}
