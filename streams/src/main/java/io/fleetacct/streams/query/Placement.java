package io.fleetacct.streams.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Where the partitions of a store live, from Kafka Streams' metadata: for each partition the
 * instances that hold it, its active owner first, then its standbys.
 */
final class Placement {

  /** One store partition and the instances to ask for it, in order. */
  record Partition(String store, int partition, List<HostInfo> candidates) {}

  /** Kafka Streams' metadata of a key's partition (a test gives a fake). */
  interface Metadata {
    /** Where {@code key} is, placed as the application's default partitioner does. */
    KeyQueryMetadata forKey(String store, String key);

    /** Where {@code key} is, placed by {@code partitioner}. */
    KeyQueryMetadata forKey(String store, String key, StreamPartitioner<String, Object> partitioner);

    static Metadata of(KafkaStreams streams) {
      return new Metadata() {
        @Override
        public KeyQueryMetadata forKey(String store, String key) {
          return streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        }

        @Override
        public KeyQueryMetadata forKey(String store, String key, StreamPartitioner<String, Object> partitioner) {
          return streams.queryMetadataForKey(store, key, partitioner);
        }
      };
    }
  }

  private final Metadata metadata;

  Placement(Metadata metadata) {
    this.metadata = metadata;
  }

  /** The partition that holds {@code key}. */
  Partition ofKey(String store, String key) throws Unavailable {
    return partition(store, metadata.forKey(store, key));
  }

  /** Every partition of {@code store}. */
  List<Partition> all(String store) throws Unavailable {
    Fixed first = new Fixed(0);
    partition(store, metadata.forKey(store, "", first));
    List<Partition> out = new ArrayList<>();
    for (int p = 0; p < first.partitionCount; p++) {
      out.add(partition(store, metadata.forKey(store, "", new Fixed(p))));
    }
    return out;
  }

  /** Places any key in one given partition, and learns how many partitions there are. */
  private static final class Fixed implements StreamPartitioner<String, Object> {

    private final int partition;
    private int partitionCount = -1;

    Fixed(int partition) {
      this.partition = partition;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Object value, Headers headers,
                                             int numPartitions) {
      partitionCount = numPartitions;
      return Optional.of(Set.of(partition));
    }

    // Kafka 4.4 deprecates this form for the one with headers, yet keeps it abstract.
    @Override
    @SuppressWarnings("removal")
    @Deprecated
    public Optional<Set<Integer>> partitions(String topic, String key, Object value, int numPartitions) {
      return partitions(topic, key, value, null, numPartitions);
    }
  }

  private static Partition partition(String store, KeyQueryMetadata md) throws Unavailable {
    if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new Unavailable("the stores are not ready yet (starting or rebalancing)");
    }
    List<HostInfo> candidates = new ArrayList<>();
    if (md.activeHost().port() >= 0) {
      candidates.add(md.activeHost());
    }
    md.standbyHosts().stream().sorted((a, b) -> a.toString().compareTo(b.toString())).forEach(candidates::add);
    if (candidates.isEmpty()) {
      throw new Unavailable("no instance holds partition " + md.partition() + " of " + store + " now (rebalancing?)");
    }
    return new Partition(store, md.partition(), candidates);
  }
}
