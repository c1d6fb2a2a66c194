package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.InstanceProgress;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gate on its own (the topology's view of it: CountingRulesTest): each agent instance's
 * sequence on its own high-water mark, replays dropped, gaps counted, poison passed on raw with the
 * reason, and the windows' verdict by the application's clock.
 */
class SequenceGuardTest {

  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
  private static final Duration RETENTION = Duration.ofDays(7);

  private final MockProcessorContext<String, SequenceGuard.Checked> context = new MockProcessorContext<>();
  private KeyValueStore<String, InstanceProgress> progress;
  private SequenceGuard guard;

  @BeforeEach
  void start() {
    FleetacctSchemas.trustGeneratedClasses();
    progress = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("progress"), Serdes.String(),
        FleetacctSerdes.instanceProgress()).withLoggingDisabled().build();
    progress.init(context.getStateStoreContext(), progress);
    context.addStateStore(progress);
    context.setRecordMetadata("exits", 0, 0);
    context.setCurrentSystemTimeMs(NOW.toEpochMilli());
    guard = new SequenceGuard("progress", new WindowAdmission(RETENTION));
    guard.init(context);
  }

  private void send(String instance, long seq, Instant stamped) {
    TaskExit e = SampleRecords.singleThreadedExit(seq);
    e.setAgentInstance(instance);
    e.setHost("host-of-" + instance);
    guard.process(new Record<>(e.getHost(), FleetacctSerdes.taskExit().serialize("exits", e), stamped.toEpochMilli()));
  }

  private List<Long> passedSeqs(String instance) {
    return context.forwarded().stream().map(f -> f.record().value().record())
        .filter(r -> r instanceof TaskExit e && e.getAgentInstance().equals(instance))
        .map(r -> ((TaskExit) r).getAgentSeq()).toList();
  }

  @Test
  void eachInstanceHasItsOwnSequenceReplaysAreDroppedAndGapsCounted() {
    for (long seq : new long[] {0, 1, 2}) {
      send("a", seq, NOW);
    }
    send("b", 0, NOW);
    send("a", 1, NOW);   // a replay of a's 1: b's 0 in between does not reset a
    send("b", 4, NOW);   // b skips 1, 2, 3
    send("a", 3, NOW);
    send("a", 3, NOW);   // the highest again: a replay too

    assertThat(passedSeqs("a")).containsExactly(0L, 1L, 2L, 3L);
    assertThat(passedSeqs("b")).containsExactly(0L, 4L);
    InstanceProgress a = progress.get("a");
    assertThat(List.of(a.getRecords(), a.getDuplicates(), a.getGaps(), a.getHighestSeq())).containsExactly(4L, 2L, 0L, 3L);
    InstanceProgress b = progress.get("b");
    assertThat(List.of(b.getRecords(), b.getDuplicates(), b.getGaps(), b.getHighestSeq())).containsExactly(2L, 0L, 3L, 4L);
    assertThat(b.getHost()).isEqualTo("host-of-b");
  }

  @Test
  void undecodableRecordsAndTombstonesPassOnRawMarkedAsPoisonAndCountNowhere() {
    guard.process(new Record<>("h", "not avro".getBytes(StandardCharsets.UTF_8), NOW.toEpochMilli()));
    guard.process(new Record<String, byte[]>("h", null, NOW.toEpochMilli()));

    assertThat(context.forwarded()).hasSize(2);
    var first = context.forwarded().get(0).record();
    assertThat(first.value().record()).isNull();
    assertThat(first.value().poison()).isEqualTo("not avro".getBytes(StandardCharsets.UTF_8));
    assertThat(first.headers().lastHeader(SequenceGuard.HEADER_OFFSET).value())
        .isEqualTo("0@0".getBytes(StandardCharsets.UTF_8));
    var tombstone = context.forwarded().get(1).record();
    assertThat(tombstone.value().poison()).isEmpty();
    assertThat(new String(tombstone.headers().lastHeader(SequenceGuard.HEADER_ERROR).value(), StandardCharsets.UTF_8))
        .contains("tombstone");
    assertThat(progress.approximateNumEntries()).isZero();
  }

  @Test
  void theWindowsTakeWhatIsWithinTheRetentionAndNotFarAheadOfTheClock() {
    send("a", 0, NOW.minus(RETENTION).plusSeconds(60));                 // late, still in
    send("a", 1, NOW.minus(RETENTION).minusSeconds(60));                // older than the retention
    send("a", 2, NOW.plus(WindowAdmission.AHEAD_LIMIT).plusSeconds(1)); // too far ahead
    send("a", 3, NOW);

    assertThat(context.forwarded().stream().map(f -> f.record().value().windowed()).toList())
        .containsExactly(true, false, false, true);
    InstanceProgress a = progress.get("a");
    assertThat(a.getOutsideWindowsTooOld()).isEqualTo(1);
    assertThat(a.getOutsideWindowsAhead()).isEqualTo(1);
    assertThat(a.getRecords()).as("all-time counts them all").isEqualTo(4);
  }
}
