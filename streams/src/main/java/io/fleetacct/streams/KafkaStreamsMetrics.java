package io.fleetacct.streams;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Kafka Streams' own metrics (and its clients') as Prometheus gauges, read at scrape time:
 * {@code kafka_streams_<group>_<name>} with the metric's tags as labels. Every series of one
 * metric gets the same label names (a tag a series lacks is an empty label), or the scrape fails.
 */
final class KafkaStreamsMetrics implements MultiCollector {

  private final KafkaStreams streams;

  KafkaStreamsMetrics(KafkaStreams streams) {
    this.streams = streams;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, List<Map.Entry<MetricName, Double>>> families = new TreeMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      Object v = e.getValue().metricValue();
      if (!(v instanceof Number n) || Double.isNaN(n.doubleValue())) {
        continue;
      }
      MetricName m = e.getKey();
      String name = PrometheusNaming.sanitizeMetricName("kafka_streams_" + m.group() + "_" + m.name());
      families.computeIfAbsent(name, k -> new ArrayList<>()).add(Map.entry(m, n.doubleValue()));
    }
    MetricSnapshots.Builder out = MetricSnapshots.builder();
    for (Map.Entry<String, List<Map.Entry<MetricName, Double>>> f : families.entrySet()) {
      TreeSet<String> tagNames = new TreeSet<>();
      f.getValue().forEach(p -> tagNames.addAll(p.getKey().tags().keySet()));
      GaugeSnapshot.Builder g = GaugeSnapshot.builder().name(f.getKey())
          .help(f.getValue().get(0).getKey().description());
      java.util.Set<Labels> seen = new java.util.HashSet<>();
      for (Map.Entry<MetricName, Double> p : f.getValue()) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (String t : tagNames) {
          names.add(PrometheusNaming.sanitizeLabelName(t));
          values.add(p.getKey().tags().getOrDefault(t, ""));
        }
        Labels labels = Labels.of(names, values);
        if (seen.add(labels)) {
          g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(p.getValue()).build());
        }
      }
      out.metricSnapshot(g.build());
    }
    return out.build();
  }
}
