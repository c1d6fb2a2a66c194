package io.fleetacct.agent.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic from the start, for tests. */
public final class Topics {

  private Topics() {}

  /**
   * Every record of {@code topic}, read until {@code done} holds for what was read and then no
   * more arrives for a second, or until {@code timeout}.
   */
  public static <T> List<T> readAll(String bootstrap, String topic, Deserializer<T> values, Predicate<List<T>> done,
                                    Duration timeout) {
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<String, T> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), values)) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietSince = System.nanoTime();
      while (System.nanoTime() < deadline) {
        int n = 0;
        for (ConsumerRecord<String, T> r : c.poll(Duration.ofMillis(200))) {
          out.add(r.value());
          n++;
        }
        if (n > 0) {
          quietSince = System.nanoTime();
        } else if (done.test(out) && System.nanoTime() - quietSince > 1_000_000_000L) {
          break;
        }
      }
    }
    return out;
  }
}
