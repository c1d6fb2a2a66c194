package io.fleetacct.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka cluster of N KRaft nodes (each a combined broker and controller, so the controller
 * quorum is the N nodes too), each an {@link EmbeddedKafkaBroker} in a child JVM on 127.0.0.1 and
 * free ports with a data directory of its own. Each node can be stopped, killed, frozen and
 * started again on its own, as brokers are in a rolling upgrade or a crash. Internal topics and
 * {@link #createTopic} use replication factor min(3, N) and {@code min.insync.replicas} min(2, N),
 * as production clusters do.
 *
 * <p>Memory: each node runs with {@code -Xmx512m} and the serial collector; a quiet node's RSS is
 * measured by {@code EmbeddedKafkaClusterTest}: 330 to 350 MiB each here, about 1 GiB for three.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

  private final EmbeddedKafkaBroker.Quorum quorum;
  private final List<EmbeddedKafkaBroker> brokers;

  private EmbeddedKafkaCluster(EmbeddedKafkaBroker.Quorum quorum, List<EmbeddedKafkaBroker> brokers) {
    this.quorum = quorum;
    this.brokers = brokers;
  }

  /**
   * Starts {@code size} nodes and waits until each has joined (a majority of the quorum must be up
   * for any to start, so all are launched before any is waited for).
   */
  public static EmbeddedKafkaCluster start(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, not " + size);
    }
    Map<Integer, int[]> ports = new LinkedHashMap<>();
    int[] free = LoopbackPorts.free(2 * size);
    for (int id = 1; id <= size; id++) {
      ports.put(id, new int[] {free[2 * id - 2], free[2 * id - 1]});
    }
    EmbeddedKafkaBroker.Quorum quorum = new EmbeddedKafkaBroker.Quorum(Uuid.randomUuid().toString(), ports);
    List<EmbeddedKafkaBroker> brokers = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      brokers.add(EmbeddedKafkaBroker.builder().node(quorum, id).build());
    }
    EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(quorum, List.copyOf(brokers));
    try {
      brokers.forEach(EmbeddedKafkaBroker::spawn);
      brokers.forEach(EmbeddedKafkaBroker::awaitReady);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public int size() {
    return brokers.size();
  }

  /** The nodes, by node id from 1. */
  public List<EmbeddedKafkaBroker> brokers() {
    return brokers;
  }

  /** The node with this id (1 to {@link #size()}). */
  public EmbeddedKafkaBroker broker(int nodeId) {
    return brokers.get(nodeId - 1);
  }

  /** Every node's listener, comma-separated: clients find the cluster through any running one. */
  public String bootstrapServers() {
    return quorum.bootstrapServers();
  }

  /** An Admin client for the cluster (through any running node); the caller closes it. */
  public Admin admin() {
    return brokers.get(0).admin();
  }

  /** A topic with replication factor min(3, size); the cluster's min.insync.replicas applies. */
  public void createTopic(String name, int partitions) {
    brokers.get(0).createTopic(name, partitions);
  }

  /** Partition leaders of {@code topic} by node id (-1: no leader now). */
  public Map<Integer, Integer> leaders(String topic) {
    return partitions(topic, p -> p.leader() == null ? -1 : p.leader().id());
  }

  /** In-sync replica counts of {@code topic}'s partitions. */
  public Map<Integer, Integer> inSyncReplicas(String topic) {
    return partitions(topic, p -> p.isr().size());
  }

  /** The running node that leads the most partitions of {@code topic} (ties: the lowest id). */
  public EmbeddedKafkaBroker leaderOfMostPartitions(String topic) {
    Map<Integer, Long> led = leaders(topic).values().stream().filter(id -> id > 0)
        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    int id = led.entrySet().stream()
        .max(Comparator.<Map.Entry<Integer, Long>>comparingLong(Map.Entry::getValue)
            .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .map(Map.Entry::getKey).orElseThrow(() -> new IllegalStateException(topic + " has no leader"));
    return broker(id);
  }

  private <T> Map<Integer, T> partitions(String topic, Function<TopicPartitionInfo, T> what) {
    try (Admin admin = admin()) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      Map<Integer, T> out = new LinkedHashMap<>();
      d.partitions().forEach(p -> out.put(p.partition(), what.apply(p)));
      return out;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot describe " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing " + topic, e);
    }
  }

  /** Each node's data directory, by node id. */
  public List<Path> dataDirs() {
    return brokers.stream().map(EmbeddedKafkaBroker::dataDir).toList();
  }

  /** CPU time of the nodes so far. */
  public Duration cpuTime() {
    return brokers.stream().map(EmbeddedKafkaBroker::cpuTime).reduce(Duration.ZERO, Duration::plus);
  }

  /** Stops every node (in parallel: a node stopping alone waits for a quorum that is leaving too). */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    for (EmbeddedKafkaBroker b : brokers) {
      Thread t = new Thread(b::close, "stop-broker-" + b.nodeId());
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join(Duration.ofSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
