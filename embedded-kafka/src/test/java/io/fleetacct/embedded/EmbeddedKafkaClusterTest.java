package io.fleetacct.embedded;

import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three KRaft nodes, replication factor 3, min.insync.replicas 2, an idempotent producer with
 * acks=all: the leader of most partitions killed mid-stream loses nothing; with two nodes down a
 * write waits (it neither fails nor lands) until one is back; every record is then on the topic
 * exactly once.
 */
@IntegrationTest
@WithKafkaBroker(dedicated = true, brokers = 3)
class EmbeddedKafkaClusterTest {

  private static final String TOPIC = "cluster-test";

  @Test
  void aLeaderKilledOrAQuorumOfReplicasLostLosesNothingAndRepeatsNothing(EmbeddedKafkaCluster cluster)
      throws Exception {
    assertThat(cluster.size()).isEqualTo(3);
    cluster.createTopic(TOPIC, 6);
    assertThat(cluster.inSyncReplicas(TOPIC).values()).as("in-sync replicas per partition").containsOnly(3);
    for (EmbeddedKafkaBroker b : cluster.brokers()) {
      System.out.printf("embedded cluster: node %d RSS %d MiB after start%n", b.nodeId(), rssMiB(b.pid()));
    }

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    long next = 0;
    try (KafkaProducer<String, Long> producer = new KafkaProducer<>(p, new StringSerializer(), new LongSerializer())) {
      next = sendAll(producer, next, 3_000);

      // (a) SIGKILL of the node that leads the most partitions, in mid-stream.
      EmbeddedKafkaBroker leader = cluster.leaderOfMostPartitions(TOPIC);
      List<Future<RecordMetadata>> inFlight = send(producer, next, 3_000);
      next += 3_000;
      leader.kill();
      for (Future<RecordMetadata> f : inFlight) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(cluster.leaders(TOPIC).values()).as("leaders after the kill").doesNotContain(leader.nodeId(), -1);
      leader.start();
      await("every partition back to 3 in-sync replicas", () -> cluster.inSyncReplicas(TOPIC).values().stream()
          .allMatch(n -> n == 3));

      // (c) Two nodes down: min.insync.replicas 2 cannot be met; a write waits, then lands.
      EmbeddedKafkaBroker one = cluster.broker(1);
      EmbeddedKafkaBroker two = cluster.broker(2);
      one.stop();
      two.stop();
      Future<RecordMetadata> waiting = producer.send(new ProducerRecord<>(TOPIC, "k" + next, next));
      next++;
      Thread.sleep(10_000);
      assertThat(waiting.isDone()).as("a write with two of three nodes down waits").isFalse();
      one.start();
      two.start();
      waiting.get(90, TimeUnit.SECONDS);
      next = sendAll(producer, next, 1_000);
    }

    Map<Long, Integer> seen = readAll(cluster, TOPIC);
    assertThat(seen).as("records on the topic").hasSize((int) next);
    assertThat(seen.values()).as("each exactly once").containsOnly(1);
    for (EmbeddedKafkaBroker b : cluster.brokers()) {
      System.out.printf("embedded cluster: node %d RSS %d MiB at the end%n", b.nodeId(), rssMiB(b.pid()));
    }
  }

  private static List<Future<RecordMetadata>> send(KafkaProducer<String, Long> producer, long from, int count) {
    List<Future<RecordMetadata>> sent = new ArrayList<>(count);
    for (long i = from; i < from + count; i++) {
      sent.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, i)));
    }
    return sent;
  }

  private static long sendAll(KafkaProducer<String, Long> producer, long from, int count) throws Exception {
    for (Future<RecordMetadata> f : send(producer, from, count)) {
      f.get(60, TimeUnit.SECONDS);
    }
    return from + count;
  }

  private static Map<Long, Integer> readAll(EmbeddedKafkaCluster cluster, String topic) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    Map<Long, Integer> seen = new HashMap<>();
    try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        new LongDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
          seen.merge(r.value(), 1, Integer::sum);
        }
      }
    }
    return seen;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within 60 s");
      }
      Thread.sleep(250);
    }
  }

  private static long rssMiB(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }
}
