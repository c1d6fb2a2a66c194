package io.fleetacct.embedded;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Admin calls on a broker: whether it has joined its cluster, and topic creation. */
final class BrokerAdmin {

  private BrokerAdmin() {}

  /** Admin client settings for {@code bootstrap} with the broker's client {@code properties}. */
  static Map<String, Object> config(String bootstrap, Map<String, String> properties) {
    Map<String, Object> conf = new LinkedHashMap<>(properties);
    conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return conf;
  }

  /**
   * Waits until node {@code nodeId} answers on {@code conf}'s bootstrap and knows itself as a member
   * of its cluster (a node of a cluster has registered with the quorum).
   *
   * @param exited the reason the process ended while starting, or null while it runs
   */
  static void awaitRegistered(Map<String, Object> conf, int nodeId, Duration timeout, Supplier<String> exited,
                              Supplier<String> logTail) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Object> c = new LinkedHashMap<>(conf);
    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000);
    c.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    try (Admin admin = Admin.create(c)) {
      while (true) {
        String why = exited.get();
        if (why != null) {
          throw new EmbeddedKafkaBroker.BrokerStartException(why + logTail.get());
        }
        try {
          if (admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).stream().anyMatch(n -> n.id() == nodeId)) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          // not up yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EmbeddedKafkaBroker.BrokerStartException("interrupted while waiting for the embedded broker", e);
        }
        if (System.nanoTime() > deadline) {
          throw new EmbeddedKafkaBroker.BrokerStartException("embedded Kafka broker not ready after "
              + timeout.toSeconds() + " s" + logTail.get());
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EmbeddedKafkaBroker.BrokerStartException("interrupted while waiting for the embedded broker", e);
        }
      }
    }
  }

  /** Creates topics and waits for them; existing topics are an error. */
  static void createTopics(Map<String, Object> conf, Collection<NewTopic> topics) {
    try (Admin admin = Admin.create(conf)) {
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics "
          + topics.stream().map(NewTopic::name).collect(Collectors.toList()) + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("topic creation timed out", e);
    }
  }
}
