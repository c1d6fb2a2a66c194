package io.fleetacct.benchmarks;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.streams.topology.Contribution;
import io.fleetacct.streams.topology.Folding;
import io.fleetacct.streams.topology.TableKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * How many rows the command tables hold for the records of an exits topic, before and after
 * commands became programs (issue 27): the by-command table of 0.1 keyed each record by the
 * thread's own name (an exit's {@code task.ac_comm}, a sample's {@code ac_comm}); the by-program
 * table keys it by its process's command, and the by-program-thread table by program and folded
 * thread name, with the default folding rules, as the streams application does.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.CommandCardinality
 * BOOTSTRAP [TOPIC]} (default topic {@code fleetacct.exits}); reads the topic from its start to its
 * end as it is now.
 */
public final class CommandCardinality {

  private CommandCardinality() {}

  public static void main(String[] args) throws Exception {
    FleetacctSchemas.trustGeneratedClasses();
    String bootstrap = args[0];
    String topic = args.length > 1 ? args[1] : "fleetacct.exits";
    Folding folding = Folding.defaults();
    Set<String> threadNames = new HashSet<>();
    Set<String> programs = new HashSet<>();
    Set<String> programThreads = new HashSet<>();
    Map<String, Long> exitsByThreadName = new HashMap<>();
    long exits = 0;
    long samples = 0;
    try (KafkaConsumer<String, SpecificRecord> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "cardinality-" + UUID.randomUUID(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(), FleetacctSerdes.exitOrSample().deserializer())) {
      List<TopicPartition> partitions = c.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
        for (ConsumerRecord<String, SpecificRecord> r : c.poll(Duration.ofSeconds(1))) {
          SpecificRecord v = r.value();
          String oldKey = v instanceof TaskExit e ? e.getTask().getAcComm() : ((TaskSample) v).getAcComm();
          threadNames.add(oldKey);
          if (v instanceof TaskExit) {
            exits++;
            exitsByThreadName.merge(oldKey, 1L, Long::sum);
          } else {
            samples++;
          }
          Contribution contribution = Contribution.of(v, folding);
          programs.add(contribution.command());
          contribution.threads().forEach(t -> programThreads.add(TableKey.join(contribution.command(),
              t.name())));
        }
      }
    }
    System.out.printf("%s: %,d exits and %,d samples%n", topic, exits, samples);
    System.out.printf("rows of the by-command table keyed by thread name (0.1): %,d%n", threadNames.size());
    System.out.printf("rows of the by-program table (the process's command, folded): %,d%n", programs.size());
    System.out.printf("rows of the by-program-thread table (program and folded thread name): %,d%n",
        programThreads.size());
    System.out.println("thread names with the most exits (each a 'command' of 0.1):");
    exitsByThreadName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .forEach(e -> System.out.printf("  %-16s %,d%n", e.getKey(), e.getValue()));
  }
}
