package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** Where a store's partitions are read: the owner first, then its standbys; none is Unavailable. */
class PlacementTest {

  private static final HostInfo A = new HostInfo("a", 1);
  private static final HostInfo B = new HostInfo("b", 2);
  private static final HostInfo C = new HostInfo("c", 3);
  /** Kafka Streams' "no active owner" host. */
  private static final HostInfo NONE = new HostInfo("unavailable", -1);

  /** A store of {@code placed.size()} partitions; keys are placed by their length. */
  private static Placement placement(Map<Integer, KeyQueryMetadata> placed) {
    return new Placement(new Placement.Metadata() {
      @Override
      public KeyQueryMetadata forKey(String store, String key) {
        return placed.get(key.length() % placed.size());
      }

      @Override
      @SuppressWarnings("removal")
      public KeyQueryMetadata forKey(String store, String key, StreamPartitioner<String, Object> partitioner) {
        int p = partitioner.partitions("topic", key, null, placed.size()).orElseThrow().iterator().next();
        return placed.get(p);
      }
    });
  }

  private static Map<Integer, KeyQueryMetadata> threePartitions() {
    Map<Integer, KeyQueryMetadata> m = new HashMap<>();
    m.put(0, new KeyQueryMetadata(A, Set.of(C, B), 0));
    m.put(1, new KeyQueryMetadata(B, Set.of(), 1));
    m.put(2, new KeyQueryMetadata(NONE, Set.of(C, A), 2)); // its owner is moving: standbys only
    return m;
  }

  @Test
  void everyPartitionOnceItsOwnerFirstThenItsStandbysInAStableOrder() throws Exception {
    List<Placement.Partition> all = placement(threePartitions()).all("s");

    assertThat(all).containsExactly(
        new Placement.Partition("s", 0, List.of(A, B, C)),
        new Placement.Partition("s", 1, List.of(B)),
        new Placement.Partition("s", 2, List.of(A, C)));
  }

  @Test
  void aKeysPartitionIsTheOneTheStoreKeepsItIn() throws Exception {
    assertThat(placement(threePartitions()).ofKey("s", "xy")).isEqualTo(new Placement.Partition("s", 2, List.of(A, C)));
  }

  @Test
  void aPartitionWithNobodyToAskOrMetadataNotYetKnownIsUnavailable() {
    Map<Integer, KeyQueryMetadata> m = threePartitions();
    m.put(1, new KeyQueryMetadata(NONE, Set.of(), 1));
    assertThatThrownBy(() -> placement(m).all("s")).isInstanceOf(Unavailable.class)
        .hasMessageContaining("no instance holds partition 1 of s");

    m.put(0, KeyQueryMetadata.NOT_AVAILABLE);
    assertThatThrownBy(() -> placement(m).ofKey("s", "")).isInstanceOf(Unavailable.class)
        .hasMessageContaining("not ready yet");
  }
}
