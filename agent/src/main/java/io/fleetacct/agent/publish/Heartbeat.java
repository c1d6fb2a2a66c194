package io.fleetacct.agent.publish;

import io.fleetacct.agent.log.RateLimitedWarnings;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's {@link AgentStatus}, sent to the status topic every interval. A heartbeat that
 * cannot be sent is counted ({@code statusErrors}) and not retried: the next one replaces it.
 */
final class Heartbeat {

  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final Producer<String, byte[]> producer;
  private final String topic;
  private final String key;
  private final Supplier<AgentStatus> status;
  private final long intervalNanos;
  private final PublisherCounters counters;
  private final AvroSerde<AgentStatus> serde = FleetacctSerdes.agentStatus();
  private final RateLimitedWarnings warnings = new RateLimitedWarnings(log, 10, TimeUnit.SECONDS);
  private long nextNanos = System.nanoTime();

  Heartbeat(Producer<String, byte[]> producer, String topic, String key, Supplier<AgentStatus> status,
            long intervalNanos, PublisherCounters counters) {
    this.producer = producer;
    this.topic = topic;
    this.key = key;
    this.status = status;
    this.intervalNanos = intervalNanos;
    this.counters = counters;
  }

  /** Sends one if the interval has passed; returns how long until the next is due. */
  long maybeSend(long nowNanos) {
    if (nowNanos - nextNanos >= 0) {
      send();
      nextNanos = nowNanos + intervalNanos;
    }
    return nextNanos - nowNanos;
  }

  /** Sends one now; the future is Kafka's acknowledgement (null if it could not be sent). */
  Future<RecordMetadata> send() {
    try {
      Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic, key, serde.serialize(topic, status.get())),
          (m, e) -> {
            if (e != null) {
              counters.statusErrors.increment();
            }
          });
      return f;
    } catch (RuntimeException e) {
      counters.statusErrors.increment();
      warnings.warn("heartbeat", "cannot send the heartbeat: {}", e.toString());
      return null;
    }
  }
}
