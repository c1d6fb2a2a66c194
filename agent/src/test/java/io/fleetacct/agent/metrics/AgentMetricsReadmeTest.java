package io.fleetacct.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's metric names are the agent's: every {@code fleetacct_agent_*} name the docs
 * mention is on /metrics, and every metric on /metrics is in the README's table (a rename or a
 * new metric without a line fails here).
 */
class AgentMetricsReadmeTest {

  private static final Pattern NAME = Pattern.compile("fleetacct_agent_[a-z_]*[a-z]");

  @Test
  void theDocsNameTheMetricsAsTheAgentExportsThem() throws Exception {
    Set<String> exported = exported(); // in proc mode: every figure
    Set<String> readme = mentioned(Files.readString(Path.of("..", "README.md")));
    Set<String> docs = new TreeSet<>(readme);
    try (Stream<Path> files = Files.list(Path.of("..", "docs"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".md")).toList()) {
        docs.addAll(mentioned(Files.readString(f)));
      }
    }
    assertThat(exported).as("metrics named in README.md and docs/").containsAll(docs);
    assertThat(readme).as("metrics on /metrics, each in README.md").containsAll(exported);
  }

  private static Set<String> mentioned(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  /** The fleetacct_agent_* names of a scrape, as Prometheus sees them (counters with _total). */
  private static Set<String> exported() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, AgentMetrics.registry(AgentFigureTest.sources(1)).scrape(),
        EscapingScheme.DEFAULT);
    return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("fleetacct_agent_"))
        .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
  }
}
