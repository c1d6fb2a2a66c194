package io.fleetacct.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cgroup.Attribution;
import io.fleetacct.agent.cgroup.AttributionCounters;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.ExitAttribution;
import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.publish.Publisher;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.publish.SequenceJournal;
import io.fleetacct.agent.publish.Spool;
import io.fleetacct.agent.sample.SamplerCounters;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.schema.testing.SampleRecords;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's metric names are the agent's: every {@code fleetacct_agent_*} name the docs
 * mention is on /metrics, and every metric on /metrics is in the README's table (a rename or a
 * new metric without a line fails here).
 */
class AgentMetricsReadmeTest {

  private static final Pattern NAME = Pattern.compile("fleetacct_agent_[a-z_]*[a-z]");
  /** Exported only in proc mode (the pid to cgroup map's size). */
  private static final String PROC_MODE_ONLY = "fleetacct_agent_cgroup_map_entries";

  @TempDir Path dir;

  @Test
  void theDocsNameTheMetricsAsTheAgentExportsThem() throws Exception {
    Set<String> exported = exported();
    exported.add(PROC_MODE_ONLY);
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
  private Set<String> exported() throws Exception {
    Spool spool = Spool.open(dir, 1 << 20);
    try (SequenceJournal journal = SequenceJournal.open(dir, "boot-1", List.of("0"))) {
      Publisher publisher = new Publisher(new Publisher.Config("t", "t.status", journal.agentInstance(), 10,
          Duration.ofSeconds(10), Duration.ofSeconds(5)),
          new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()), spool, journal, "host-1",
          last -> SampleRecords.fullAgentStatus(), new PublisherCounters());
      AttributionCounters counters = new AttributionCounters();
      Attributor attributor = new Attributor() {
        @Override
        public ExitAttribution attribute(ExitNotification exit) {
          return new ExitAttribution(Attribution.NONE, Command.ofExit(exit));
        }

        @Override
        public String mode() {
          return "exact";
        }

        @Override
        public AttributionCounters counters() {
          return counters;
        }

        @Override
        public void close() {}
      };
      var registry = AgentMetrics.registry(new ListenerCounters(), new PublisherCounters(), attributor, publisher,
          new SamplerCounters(), () -> 0);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.DEFAULT);
      return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("fleetacct_agent_"))
          .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
