package io.fleetacct.agent.publish;

import io.fleetacct.common.cli.ClientProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The agent's producer: idempotent, acks=all, zstd, batched for 100 ms, and with
 * unbounded delivery time, so that a record it accepted is delivered in order however long Kafka
 * is away (the publisher spools the rest). Any client property can be added or overridden from a
 * file and from -X key=value, so SASL and TLS need no code.
 */
public final class ProducerSettings {

  private ProducerSettings() {}

  public static Properties defaults(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    // Few, large batches: each request costs the producer's I/O thread more than its records do (10.8
    // -> 3.9 us of CPU per exit from 20 to 100 ms at 4,400 exits/s, docs/benchmarks.md), and zstd
    // compresses a whole batch better. The 100 ms are nothing beside the tables' 1-minute windows.
    p.put(ProducerConfig.LINGER_MS_CONFIG, "100");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
    // Records wait in the backlog (memory queue, then spool), not in the producer: 8 MiB of batches
    // is 32 in flight or filling, and keeps the agent's heap small (agent/src/main/dist/jvm.options).
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(8 * 1024 * 1024));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
    p.put(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE));
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    // send() must not hold the publisher long: when Kafka cannot take a record, it retries and
    // the receive threads' records go to the spool meanwhile.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "fleetacct-agent");
    return p;
  }

  /** Defaults, then the properties file (if any), then each key=value. */
  public static Properties build(String bootstrapServers, Path file, List<String> overrides) throws IOException {
    return ClientProperties.apply(defaults(bootstrapServers), file, overrides);
  }

  /** The producer, or an IllegalArgumentException that names the bad setting. */
  public static Producer<String, byte[]> create(Properties p) {
    try {
      return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    } catch (KafkaException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException("bad Kafka producer settings: " + cause.getMessage(), e);
    }
  }

  /**
   * Asks Kafka for its cluster id with these settings, so that refused credentials or a TLS
   * failure stop the agent at once, with the reason, before it registers with the kernel or writes
   * anything. Kafka unreachable within {@code timeout} is not an error (the agent spools until it
   * returns): false then.
   *
   * @throws IllegalStateException when Kafka refused the authentication
   */
  public static boolean verifyAccess(Properties p, Duration timeout) {
    Map<String, Object> conf = new HashMap<>();
    for (String key : p.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(key)) {
        conf.put(key, p.getProperty(key));
      }
    }
    conf.put(AdminClientConfig.CLIENT_ID_CONFIG, "fleetacct-agent-preflight");
    try (Admin admin = Admin.create(conf)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).clusterId()
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException) {
        throw new IllegalStateException("Kafka refused the agent's authentication: " + e.getCause().getMessage()
            + " (check security.protocol, sasl.* and ssl.* in --producer-config or -X)", e.getCause());
      }
      return false;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether the settings keep the guarantees the publisher relies on. */
  public static List<String> weakenedGuarantees(Map<?, ?> p) {
    List<String> problems = new ArrayList<>();
    if (!"true".equals(String.valueOf(p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)))) {
      problems.add("enable.idempotence is not true: records may be reordered or duplicated on retries");
    }
    String acks = String.valueOf(p.get(ProducerConfig.ACKS_CONFIG));
    if (!acks.equals("all") && !acks.equals("-1")) {
      problems.add("acks=" + acks + ": a broker failure can lose acknowledged records");
    }
    return problems;
  }
}
