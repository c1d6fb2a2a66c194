package io.fleetacct.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.embedded.EmbeddedKafkaCluster;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.streams.topology.FleetacctTopology;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a cluster of three brokers, the settings `--replication-factor 3 --min-insync-replicas 2`
 * give every topic of the application those settings: the ones it creates itself (input,
 * dead-letter, output) and the ones Kafka Streams creates (changelogs, repartition topics).
 */
@IntegrationTest
@WithKafkaBroker(dedicated = true, brokers = 3)
class TopicSettingsTest {

  @TempDir Path state;

  @Test
  void everyTopicOfTheApplicationIsReplicatedThreeTimesWithTwoInSync(EmbeddedKafkaCluster cluster) throws Exception {
    String app = "topics";
    FleetacctTopology.Config topology = new FleetacctTopology.Config(app + ".exits", app + ".status", app + ".dlq",
        app + ".", Duration.ofMinutes(1), Duration.ofDays(7));
    Properties extra = new Properties(); // what the streams command line makes of the two options
    extra.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "3");
    extra.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), "2");
    try (StreamsApp streams = StreamsApp.start(new StreamsApp.Config(cluster.bootstrapServers(), app, state,
        "127.0.0.1", 0, "127.0.0.1", 0, topology, 2, extra));
         Admin admin = cluster.admin()) {
      assertThat(streams.awaitRunning(Duration.ofSeconds(120))).as("streams running").isTrue();
      Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(t -> t.startsWith(app)).collect(Collectors.toSet());
      assertThat(topics).contains(app + ".exits", app + ".dlq", app + ".totals.by-host",
          app + "-totals-by-host-changelog");
      assertThat(topics.stream().filter(t -> t.endsWith("-repartition"))).as("repartition topics").isNotEmpty();

      Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
      described.forEach((name, d) -> assertThat(d.partitions()).as("replicas of %s", name)
          .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
      List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
          .toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      configs.forEach((r, c) -> {
        var minIsr = c.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        assertThat(minIsr.value()).as("min.insync.replicas of %s", r.name()).isEqualTo("2");
        assertThat(minIsr.source()).as("set on the topic %s itself, not inherited", r.name())
            .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
      });
      System.out.printf("topic settings: %d topics, each with 3 replicas and min.insync.replicas 2%n", topics.size());
    }
  }
}
