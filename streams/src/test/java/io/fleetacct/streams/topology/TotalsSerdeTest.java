package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The working form's wire format: exact round trips, older and newer builds' forms, garbage refused. */
class TotalsSerdeTest {

  private final Serde<long[]> serde = TotalsSerde.serde();

  @Test
  void everyFieldComesBackExactly() {
    long[] t = new long[Totals.SIZE];
    Arrays.setAll(t, i -> i == 0 ? Long.MAX_VALUE : -i * 1_000_000_007L);
    byte[] bytes = serde.serializer().serialize("t", t);
    assertThat(bytes).hasSize(2 + 8 * Totals.SIZE);
    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(t);
  }

  @Test
  void anOlderFormsMissingFieldsAreZeroAndANewerFormsExtraFieldsIgnored() {
    long[] older = {5, 6, 7};
    long[] read = serde.deserializer().deserialize("t", serde.serializer().serialize("t", older));
    assertThat(read).hasSize(Totals.SIZE);
    assertThat(Arrays.copyOf(read, 3)).isEqualTo(older);
    assertThat(Arrays.stream(read).skip(3).allMatch(v -> v == 0)).isTrue();

    long[] newer = new long[Totals.SIZE + 2];
    Arrays.fill(newer, 9);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", newer)))
        .hasSize(Totals.SIZE).containsOnly(9);
  }

  @Test
  void bytesOfAnotherFormatOrLengthAreRefusedNamingTheTopic() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("some-topic", new byte[] {1, 2, 0}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("some-topic");
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {7, 0}))
        .isInstanceOf(SerializationException.class);
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }
}
