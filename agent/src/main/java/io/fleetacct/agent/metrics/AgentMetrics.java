package io.fleetacct.agent.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;

/** The agent's figures ({@link AgentFigure}) as Prometheus metrics, read when scraped. */
public final class AgentMetrics {

  private AgentMetrics() {}

  public static PrometheusRegistry registry(AgentFigure.Sources sources) {
    PrometheusRegistry r = new PrometheusRegistry();
    for (AgentFigure f : AgentFigure.values()) {
      if (!f.available(sources)) {
        continue;
      }
      double scale = f.kind() == AgentFigure.Kind.SECONDS ? 1e-9 : 1;
      String[] labels = f.label() == null ? new String[0] : new String[] {f.label()};
      if (f.kind() == AgentFigure.Kind.COUNTER) {
        CounterWithCallback.builder().name(f.metric()).help(f.help()).labelNames(labels)
            .callback(cb -> {
              for (Map.Entry<String, Long> e : f.series(sources).entrySet()) {
                cb.call(e.getValue(), values(f, e.getKey()));
              }
            }).register(r);
      } else {
        GaugeWithCallback.builder().name(f.metric()).help(f.help()).labelNames(labels)
            .callback(cb -> {
              for (Map.Entry<String, Long> e : f.series(sources).entrySet()) {
                cb.call(e.getValue() * scale, values(f, e.getKey()));
              }
            }).register(r);
      }
    }
    return r;
  }

  private static String[] values(AgentFigure f, String labelValue) {
    return f.label() == null ? new String[0] : new String[] {labelValue};
  }
}
