package io.fleetacct.standalone.testing;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.serde.Sequenced;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the agent wrote to an exits topic, read back to explain a test's mismatch: which exits
 * reached Kafka more than once (under different agent_seq numbers) and which never did.
 */
public final class ExitsTopic {

  private ExitsTopic() {}

  /** Every committed record of the topic, decoded (TaskExit or TaskSample). */
  public static List<SpecificRecord> read(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    var serde = FleetacctSerdes.exitsTopic();
    List<SpecificRecord> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          records.add(serde.deserialize(topic, r.value()));
        }
      }
    }
    return records;
  }

  /**
   * A comparison of the kernel's exits matching {@code which} with the TaskExit records of the
   * topic matching it: pids the topic holds more often than the kernel reported them, and pids it
   * lacks, each with the agent instance and agent_seq of every copy.
   */
  public static String compare(Collection<TaskStats> kernel, List<SpecificRecord> topic, Predicate<TaskStats> which) {
    Map<Long, Long> kernelPids = kernel.stream().filter(which)
        .collect(Collectors.groupingBy(TaskStats::getAcPid, TreeMap::new, Collectors.counting()));
    Map<Long, List<String>> topicPids = new TreeMap<>();
    for (SpecificRecord r : topic) {
      if (r instanceof TaskExit e && which.test(e.getTask())) {
        Sequenced s = Sequenced.of(e);
        topicPids.computeIfAbsent(e.getTask().getAcPid(), k -> new ArrayList<>())
            .add(s.agentInstance().substring(0, 8) + "#" + s.agentSeq());
      }
    }
    StringBuilder out = new StringBuilder();
    topicPids.forEach((pid, copies) -> {
      if (copies.size() > kernelPids.getOrDefault(pid, 0L)) {
        out.append(String.format("pid %d: kernel %d, topic %s%n", pid, kernelPids.getOrDefault(pid, 0L), copies));
      }
    });
    kernelPids.forEach((pid, n) -> {
      if (topicPids.getOrDefault(pid, List.of()).size() < n) {
        out.append(String.format("pid %d: kernel %d, topic %s%n", pid, n, topicPids.getOrDefault(pid, List.of())));
      }
    });
    return out.length() == 0 ? "topic and kernel agree pid by pid" : out.toString();
  }
}
