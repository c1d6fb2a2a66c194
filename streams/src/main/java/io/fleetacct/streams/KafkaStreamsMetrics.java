package io.fleetacct.streams;

import io.fleetacct.streams.topology.SequenceGuard;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Kafka Streams' own metrics (and its clients') as Prometheus gauges, read at scrape time:
 * {@code kafka_streams_<group>_<name>} with the metric's tags as labels. Every series of one
 * metric gets the same label names (a tag a series lacks is an empty label), or the scrape fails.
 *
 * <p>By default the per-task, per-processor, per-store, per-partition and per-broker series are left
 * out (they are most of the text: hundreds of kilobytes for one instance); the client- and
 * thread-level ones stay, and fleetacct's own ({@link SequenceGuard#METRIC_GROUP}) always. {@value
 * #DETAIL}{@code =true} (a streams property, {@code -X}) exports them all.
 */
final class KafkaStreamsMetrics implements MultiCollector {

  /** The streams property that exports every series. */
  static final String DETAIL = "fleetacct.metrics.detail";

  /** Tags that make a series detail; and any tag ending in {@code -state-id} (a store's). */
  private static final Set<String> DETAIL_TAGS =
      Set.of("task-id", "processor-node-id", "record-cache-id", "partition", "topic", "node-id");

  private final Supplier<Map<MetricName, ? extends Metric>> metrics;
  private final boolean detail;

  KafkaStreamsMetrics(Supplier<Map<MetricName, ? extends Metric>> metrics, boolean detail) {
    this.metrics = metrics;
    this.detail = detail;
  }

  /** Whether {@code configured} (the value of {@value #DETAIL}, or null) asks for every series. */
  static boolean detail(String configured) {
    if (configured == null || configured.equals("false")) {
      return false;
    }
    if (configured.equals("true")) {
      return true;
    }
    throw new IllegalArgumentException(DETAIL + " is true or false, not '" + configured + "'");
  }

  private static boolean isDetail(MetricName m) {
    return !m.group().equals(SequenceGuard.METRIC_GROUP)
        && m.tags().keySet().stream().anyMatch(t -> DETAIL_TAGS.contains(t) || t.endsWith("-state-id"));
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, List<Map.Entry<MetricName, Double>>> families = new TreeMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.get().entrySet()) {
      Object v = e.getValue().metricValue();
      if (!(v instanceof Number n) || Double.isNaN(n.doubleValue()) || !detail && isDetail(e.getKey())) {
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
      Set<Labels> seen = new HashSet<>();
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
