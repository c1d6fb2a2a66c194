package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.schema.testing.SampleRecords;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The working form's wire format: exact round trips, older and newer builds' forms, garbage refused. */
class AggregateSerdeTest {

  private final Serde<Aggregate> serde = AggregateSerde.serde();

  private Aggregate roundTrip(Aggregate a) {
    return serde.deserializer().deserialize("t", serde.serializer().serialize("t", a));
  }

  @Test
  void everyFieldAndTheSketchesComeBackExactly() {
    long[] t = new long[Totals.SIZE];
    Arrays.setAll(t, i -> i == 0 ? Long.MAX_VALUE : -i * 1_000_000_007L);
    byte[] sketches = DelaySketches.of(SampleRecords.fullTaskStats()).encode();
    Aggregate a = new Aggregate(t, sketches, sketches.length);

    byte[] bytes = serde.serializer().serialize("t", a);
    assertThat(bytes).hasSize(2 + 8 * Totals.SIZE + 4 + sketches.length);
    Aggregate back = roundTrip(a);
    assertThat(back.totals()).isEqualTo(t);
    assertThat(back.sketchBytes()).isEqualTo(sketches);
    assertThat(back.compacted()).isEqualTo(sketches.length);
  }

  @Test
  void theTotalsOnlyFormOf030IsStillRead() {
    long[] t = new long[Totals.SIZE];
    Arrays.fill(t, 3);
    ByteBuffer old = ByteBuffer.allocate(2 + 8 * t.length).put((byte) 1).put((byte) t.length);
    old.asLongBuffer().put(t);
    Aggregate read = serde.deserializer().deserialize("t", old.array());
    assertThat(read.totals()).isEqualTo(t);
    assertThat(read.sketchBytes()).isEmpty();
  }

  @Test
  void anOlderFormsMissingFieldsAreZeroAndANewerFormsExtraFieldsIgnored() {
    long[] older = {5, 6, 7};
    long[] read = roundTrip(Aggregate.of(older)).totals();
    assertThat(read).hasSize(Totals.SIZE);
    assertThat(Arrays.copyOf(read, 3)).isEqualTo(older);
    assertThat(Arrays.stream(read).skip(3).allMatch(v -> v == 0)).isTrue();

    long[] newer = new long[Totals.SIZE + 2];
    Arrays.fill(newer, 9);
    assertThat(roundTrip(Aggregate.of(newer)).totals()).hasSize(Totals.SIZE).containsOnly(9);
  }

  @Test
  void bytesOfAnotherFormatOrLengthAreRefusedNamingTheTopic() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("some-topic", new byte[] {1, 2, 0}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("some-topic");
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {7, 0}))
        .isInstanceOf(SerializationException.class);
    byte[] badCompacted = serde.serializer().serialize("t", Aggregate.of(Totals.empty()));
    ByteBuffer.wrap(badCompacted).putInt(2 + 8 * Totals.SIZE, 99);
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", badCompacted))
        .isInstanceOf(SerializationException.class).hasMessageContaining("compacted");
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }
}
