package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.testing.IntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** TaskExit records through a real broker with the real serdes: every record back, exactly once. */
@WithKafkaBroker
@IntegrationTest
class TaskExitOverKafkaTest {

  private static final int RECORDS = 1_000;
  private static final int HOSTS = 7;

  @Test
  void producesAndConsumesExactlyOneThousandTaskExits(EmbeddedKafkaBroker broker) throws Exception {
    String topic = "serde-roundtrip-exits";
    broker.createTopic(topic, 3);

    List<TaskExit> sent = new ArrayList<>();
    try (KafkaProducer<String, TaskExit> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd"), new StringSerializer(), FleetacctSerdes.taskExit())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        TaskExit exit = i % 4 == 0 ? SampleRecords.fullTaskExit() : SampleRecords.singleThreadedExit(i);
        exit.setAgentSeq(i);
        exit.setHost("host-" + (i % HOSTS));
        exit.getTask().setAcPid(100_000L + i);
        sent.add(exit);
        acks.add(producer.send(new ProducerRecord<>(topic, exit.getHost(), exit)));
      }
      for (Future<RecordMetadata> ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    }

    Map<Long, TaskExit> received = new HashMap<>();
    int duplicates = 0;
    try (KafkaConsumer<String, TaskExit> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "serde-roundtrip",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), FleetacctSerdes.taskExit())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (received.size() < RECORDS && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, TaskExit> r : consumer.poll(Duration.ofMillis(200))) {
          assertThat(r.key()).isEqualTo(r.value().getHost());
          if (received.put(r.value().getAgentSeq(), r.value()) != null) {
            duplicates++;
          }
        }
      }
      // Anything beyond the thousand would show up here.
      for (ConsumerRecord<String, TaskExit> r : consumer.poll(Duration.ofMillis(500))) {
        received.put(r.value().getAgentSeq(), r.value());
        duplicates++;
      }
    }

    assertThat(duplicates).isZero();
    assertThat(received).hasSize(RECORDS);
    for (TaskExit exit : sent) {
      assertThat(received.get(exit.getAgentSeq())).isEqualTo(exit);
    }
  }
}
