package io.fleetacct.embedded;

import io.fleetacct.embedded.EmbeddedKafkaBroker.ExtraListener;
import io.fleetacct.embedded.EmbeddedKafkaBroker.Quorum;
import io.fleetacct.embedded.EmbeddedKafkaBroker.SaslSsl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * One broker's files: its server.properties (KRaft, combined broker and controller, on 127.0.0.1,
 * internal topics replicated as a production cluster's are), its logback configuration, and its
 * formatted storage, all under its data directory.
 */
final class BrokerConfig {

  static final String HOST = "127.0.0.1";

  private final Path dataDir;
  private final int nodeId;
  /** The cluster this broker is a node of, or null when it is a cluster of its own. */
  private final Quorum quorum;
  private final SaslSsl saslSsl;
  /** A second client listener, or null. */
  private final ExtraListener extraListener;
  private final Map<String, String> overrides;

  BrokerConfig(Path dataDir, int nodeId, Quorum quorum, SaslSsl saslSsl, ExtraListener extraListener,
               Map<String, String> overrides) {
    this.dataDir = dataDir;
    this.nodeId = nodeId;
    this.quorum = quorum;
    this.saslSsl = saslSsl;
    this.extraListener = extraListener;
    this.overrides = Map.copyOf(overrides);
  }

  Path logDir() {
    return dataDir.resolve("kafka-logs");
  }

  /** Replicas of internal topics and of created topics: every node, up to 3. */
  short replicationFactor() {
    return (short) Math.min(3, quorum == null ? 1 : quorum.size());
  }

  /** min.insync.replicas: 2 where there are 3 replicas (one broker may be down for an upgrade). */
  int minInsyncReplicas() {
    return Math.min(2, replicationFactor());
  }

  /** Writes server.properties for a start on these ports; returns its path. */
  Path write(int port, int controllerPort) throws IOException {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(nodeId));
    if (quorum == null) {
      p.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
    } else {
      p.put("controller.quorum.voters", quorum.voters());
    }
    String listener = saslSsl == null ? "PLAINTEXT" : "SASL_SSL";
    String extra = extraListener == null ? "" : ",EXTRA://" + HOST + ":" + extraListener.port();
    p.put("listeners", listener + "://" + HOST + ":" + port + extra + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", listener + "://" + HOST + ":" + port
        + (extraListener == null ? "" : ",EXTRA://" + HOST + ":" + extraListener.advertisedPort()));
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", listener);
    p.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT"
        + (extraListener == null ? "" : ",EXTRA:PLAINTEXT"));
    if (saslSsl != null) {
      p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
      p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
      p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", SaslSsl.jaas(saslSsl.user(), saslSsl.password()));
      p.put("ssl.keystore.location", saslSsl.keystore().toString());
      p.put("ssl.keystore.password", saslSsl.storePassword());
      p.put("ssl.key.password", saslSsl.storePassword());
      p.put("ssl.keystore.type", "PKCS12");
      p.put("ssl.truststore.location", saslSsl.truststore().toString());
      p.put("ssl.truststore.password", saslSsl.storePassword());
      p.put("ssl.truststore.type", "PKCS12");
    }
    p.put("log.dirs", logDir().toString());
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    // Internal topics replicated as a production cluster's are.
    String replicas = String.valueOf(replicationFactor());
    String minIsr = String.valueOf(minInsyncReplicas());
    p.put("offsets.topic.replication.factor", replicas);
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", replicas);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", replicas);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    p.put("default.replication.factor", replicas);
    p.put("min.insync.replicas", minIsr);
    p.put("group.initial.rebalance.delay.ms", "0");
    if (quorum != null) {
      // A restarted node is unfenced at its next heartbeat once it has caught up: sooner than the
      // default 2 s, so that a rolling restart of a local cluster takes less waiting.
      p.put("broker.heartbeat.interval.ms", "500");
    }
    p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
    p.putAll(overrides);
    String text = p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
    return Files.writeString(dataDir.resolve("server.properties"), text);
  }

  /** The broker's logback configuration: Kafka's own noise at WARN. */
  Path writeLogConfig() throws IOException {
    String xml = """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="kafka" level="INFO"/>
          <logger name="org.apache.kafka" level="WARN"/>
          <logger name="state.change.logger" level="WARN"/>
          <logger name="kafka.log" level="WARN"/>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;
    return Files.writeString(dataDir.resolve("broker-logback.xml"), xml);
  }

  /** Formats the storage (KRaft) unless it holds a cluster already. */
  void formatIfNew(Path props) {
    if (Files.exists(logDir().resolve("meta.properties"))) {
      return;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int status;
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8.name())) {
      List<String> args = new ArrayList<>(quorum == null
          ? List.of("format", "-t", Uuid.randomUuid().toString(), "-c", props.toString(), "--standalone")
          : List.of("format", "-t", quorum.clusterId(), "-c", props.toString()));
      if (saslSsl != null) {
        args.addAll(List.of("--add-scram",
            "SCRAM-SHA-512=[name=" + saslSsl.user() + ",password=" + saslSsl.password() + "]"));
      }
      status = kafka.tools.StorageTool.execute(args.toArray(String[]::new), out);
    } catch (UnsupportedEncodingException e) {
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new EmbeddedKafkaBroker.BrokerStartException("cannot format the embedded broker's storage in " + logDir()
          + ": " + e.getMessage() + "\n" + output.toString(StandardCharsets.UTF_8), e);
    }
    if (status != 0) {
      throw new EmbeddedKafkaBroker.BrokerStartException("formatting the embedded broker's storage failed (status "
          + status + "): " + output.toString(StandardCharsets.UTF_8));
    }
  }

}
