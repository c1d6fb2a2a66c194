package io.fleetacct.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.streams.topology.SequenceGuard;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KafkaStreamsMetricsTest {

  private final Metrics metrics = new Metrics();

  @AfterEach
  void close() {
    metrics.close();
  }

  private void add(String group, String name, Map<String, String> tags) {
    metrics.addMetric(metrics.metricName(name, group, "", tags), (Measurable) (config, now) -> 1.0);
  }

  private List<String> exported(boolean detail) {
    return new KafkaStreamsMetrics(metrics::metrics, detail).collect().stream()
        .map(s -> s.getMetadata().getName()).filter(n -> n.startsWith("kafka_streams_")).toList();
  }

  @Test
  void perTaskStorePartitionAndBrokerSeriesAreLeftOutUnlessDetailIsAskedFor() {
    add("stream-metrics", "alive-stream-threads", Map.of("client-id", "c"));
    add("stream-thread-metrics", "process-rate", Map.of("thread-id", "t1"));
    add("consumer-fetch-manager-metrics", "records-lag-max", Map.of("client-id", "c-consumer"));
    add("stream-task-metrics", "process-latency-avg", Map.of("thread-id", "t1", "task-id", "0_1"));
    add("stream-processor-node-metrics", "process-rate", Map.of("task-id", "0_1", "processor-node-id", "n"));
    add("stream-state-metrics", "put-rate", Map.of("task-id", "0_1", "rocksdb-window-state-id", "s"));
    add("consumer-fetch-manager-metrics", "records-lag", Map.of("client-id", "c", "topic", "x", "partition", "0"));
    add("consumer-node-metrics", "request-rate", Map.of("client-id", "c", "node-id", "node-1"));
    add(SequenceGuard.METRIC_GROUP, "poison-records-total", Map.of("task-id", "0_1"));

    assertThat(exported(false)).containsExactlyInAnyOrder("kafka_streams_stream-metrics_alive-stream-threads",
        "kafka_streams_stream-thread-metrics_process-rate",
        "kafka_streams_consumer-fetch-manager-metrics_records-lag-max",
        "kafka_streams_fleetacct-sequence-guard_poison-records-total",
        "kafka_streams_kafka-metrics-count_count"); // the registry's own
    assertThat(exported(true)).hasSize(10);
  }

  @Test
  void detailIsTrueOrFalse() {
    assertThat(KafkaStreamsMetrics.detail(null)).isFalse();
    assertThat(KafkaStreamsMetrics.detail("false")).isFalse();
    assertThat(KafkaStreamsMetrics.detail("true")).isTrue();
    assertThatThrownBy(() -> KafkaStreamsMetrics.detail("yes")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(KafkaStreamsMetrics.DETAIL);
  }
}
