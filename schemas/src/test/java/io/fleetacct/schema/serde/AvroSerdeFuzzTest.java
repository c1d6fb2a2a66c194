package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.testing.SampleRecords;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of every deserializer: encoded records of each type, mutated (bit flips,
 * byte sets, cuts, insertions, fingerprint swaps between types), must each decode to a record or
 * fail with a SerializationException; nothing else may escape, no input may take long (a hang), and
 * memory stays bounded (an OutOfMemoryError would escape as an Error). Iterations:
 * -Dfleetacct.fuzz.iterations (default 200,000; run longer on demand).
 */
class AvroSerdeFuzzTest {

  private static final int ITERATIONS = Integer.getInteger("fleetacct.fuzz.iterations", 200_000);

  @SuppressWarnings("unchecked")
  @Test
  void mutatedRecordsDecodeOrFailWithASerializationException() {
    FleetacctSchemas.trustGeneratedClasses();
    List<AvroSerde<? extends SpecificRecord>> serdes = List.of(FleetacctSerdes.taskExit(),
        FleetacctSerdes.agentStatus(), FleetacctSerdes.delayTotals(), FleetacctSerdes.totalsKey(),
        FleetacctSerdes.instanceProgress());
    List<byte[]> seeds = new ArrayList<>(List.of(
        FleetacctSerdes.taskExit().serialize("t", SampleRecords.fullTaskExit()),
        FleetacctSerdes.taskExit().serialize("t", SampleRecords.singleThreadedExit(7)),
        FleetacctSerdes.agentStatus().serialize("t", SampleRecords.fullAgentStatus()),
        FleetacctSerdes.delayTotals().serialize("t", SampleRecords.fullDelayTotals())));
    SplittableRandom random = new SplittableRandom(20261125L);
    long decoded = 0;
    long refused = 0;
    long slowestNanos = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), seeds, random);
      AvroSerde<SpecificRecord> serde = (AvroSerde<SpecificRecord>) serdes.get(random.nextInt(serdes.size()));
      long t0 = System.nanoTime();
      try {
        serde.deserialize("fuzz", input);
        decoded++;
      } catch (SerializationException e) {
        refused++;
        assertThat(e.getMessage()).as("the reason, for input %s", Arrays.toString(input)).isNotBlank();
      }
      slowestNanos = Math.max(slowestNanos, System.nanoTime() - t0);
    }
    System.out.printf("avro fuzz: %,d inputs, %,d decoded, %,d refused, slowest %.1f ms%n", ITERATIONS, decoded,
        refused, slowestNanos / 1e6);
    assertThat(decoded + refused).isEqualTo(ITERATIONS);
    assertThat(slowestNanos).as("no input may hang the decoder").isLessThan(1_000_000_000L);
  }

  private static byte[] mutate(byte[] seed, List<byte[]> seeds, SplittableRandom r) {
    byte[] b = seed.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      switch (r.nextInt(6)) {
        case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        case 1 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
        case 3 -> {
          int at = r.nextInt(b.length + 1);
          byte[] longer = new byte[b.length + 1 + r.nextInt(16)];
          System.arraycopy(b, 0, longer, 0, at);
          for (int k = at; k < at + longer.length - b.length; k++) {
            longer[k] = (byte) r.nextInt(256);
          }
          System.arraycopy(b, at, longer, at + longer.length - b.length, b.length - at);
          b = longer;
        }
        case 4 -> { // another type's header on this body
          byte[] other = seeds.get(r.nextInt(seeds.size()));
          System.arraycopy(other, 0, b, 0, Math.min(10, Math.min(other.length, b.length)));
        }
        default -> { // a varint length set huge (0xff...0x7f) somewhere in the body
          int at = 10 + r.nextInt(Math.max(1, b.length - 10));
          for (int k = at; k < Math.min(b.length, at + 4); k++) {
            b[k] = (byte) 0xff;
          }
          if (at + 4 < b.length) {
            b[at + 4] = 0x0f;
          }
        }
      }
    }
    return b;
  }
}
