package io.fleetacct.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class EmbeddedKafkaBrokerTest {

  @Test
  void restartKeepsPortAndData(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("k")).build()) {
      broker.start();
      String bootstrap = broker.bootstrapServers();
      assertThat(bootstrap).startsWith("127.0.0.1:");
      broker.createTopic("restart", 1);
      produce(bootstrap, "restart", List.of("a", "b", "c"));

      broker.stop();
      assertThat(broker.isRunning()).isFalse();
      broker.start();

      assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
      assertThat(consume(bootstrap, "restart", 3)).containsExactly("a", "b", "c");
    }
  }

  @Test
  void closeDeletesATemporaryDataDirectory() {
    Path data;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build()) {
      broker.start();
      data = broker.dataDir();
      assertThat(data.resolve("kafka-logs/meta.properties")).exists();
    }
    assertThat(data).doesNotExist();
  }

  @Test
  void keepDataLeavesTheDirectoryForTheNextStart(@TempDir Path dir) {
    Path data = dir.resolve("kept");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).build()) {
      broker.start();
      broker.createTopic("kept-topic", 2);
    }
    assertThat(data.resolve("kafka-logs/meta.properties")).exists();
    try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.builder().dataDir(data).build()) {
      again.start();
      try (var admin = again.admin()) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("kept-topic");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void failedStartCarriesTheTailOfTheBrokerLog() {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
        .brokerProperty("authorizer.class.name", "com.example.NoSuchAuthorizer")
        .startTimeout(Duration.ofSeconds(60))
        .build()) {
      assertThatThrownBy(broker::start)
          .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
          .hasMessageContaining("last lines of")
          .hasMessageContaining("com.example.NoSuchAuthorizer");
      assertThat(broker.isRunning()).isFalse();
    }
  }

  @Test
  void invalidBrokerPropertyIsNamedBeforeAnythingStarts() {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
        .brokerProperty("num.network.threads", "not-a-number")
        .build()) {
      assertThatThrownBy(broker::start)
          .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
          .hasMessageContaining("num.network.threads");
      assertThat(broker.isRunning()).isFalse();
    }
  }

  @Test
  void twoBrokersOnOneMachineDoNotCollide() {
    try (EmbeddedKafkaBroker a = EmbeddedKafkaBroker.builder().build();
         EmbeddedKafkaBroker b = EmbeddedKafkaBroker.builder().build()) {
      a.start();
      b.start();
      assertThat(a.bootstrapServers()).isNotEqualTo(b.bootstrapServers());
      assertThat(a.dataDir()).isNotEqualTo(b.dataDir());
      a.createTopic("same-name", 1);
      b.createTopic("same-name", 1);
    }
  }

  @Test
  void killStopsTheBrokerAtOnce() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build()) {
      broker.start();
      broker.kill();
      assertThat(broker.isRunning()).isFalse();
      assertThat(Files.exists(broker.dataDir())).isTrue();
    }
  }

  static void produce(String bootstrap, String topic, List<String> values) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
      for (String v : values) {
        p.send(new ProducerRecord<>(topic, v)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  static List<String> consume(String bootstrap, String topic, int expected) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "t-" + topic,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          out.add(r.value());
        }
      }
    }
    return out;
  }
}
