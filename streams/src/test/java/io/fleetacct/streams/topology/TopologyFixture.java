package io.fleetacct.streams.topology;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.schema.testing.SampleRecords;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The application's real topology on Kafka Streams' test driver, fed exits as an agent sends them
 * (one agent instance, agent_seq in order): the tables' stores filled without a broker.
 */
public final class TopologyFixture implements AutoCloseable {

  private final FleetacctTopology.Config config;
  private final TopologyTestDriver driver;
  private final TestInputTopic<String, byte[]> exits;
  private long seq;

  /** @param now the application's clock at the start */
  public TopologyFixture(Path stateDir, Instant now) {
    this(stateDir, now, FleetacctTopology.Config.defaults());
  }

  public TopologyFixture(Path stateDir, Instant now, FleetacctTopology.Config config) {
    this.config = config;
    FleetacctSchemas.trustGeneratedClasses();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-fixture");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // not the shared /tmp/kafka-streams
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(FleetacctTopology.build(config), p, now);
    exits = driver.createInputTopic(config.exitsTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
  }

  public TopologyTestDriver driver() {
    return driver;
  }

  public FleetacctTopology.Config config() {
    return config;
  }

  public TestInputTopic<String, byte[]> exits() {
    return exits;
  }

  /** The next agent_seq of the fixture's agent instance. */
  public long nextSeq() {
    return seq++;
  }

  /**
   * A thread's exit: version 16, this thread's own numbers, AGROUP when it is the last; its thread
   * and its program named {@code comm}.
   */
  public static TaskExit exit(String host, String cgroup, String comm, long pid, long tgid, boolean last,
                              long cpuCount, long cpuDelay) {
    TaskExit e = SampleRecords.singleThreadedExit(0);
    e.setHost(host);
    e.setCgroup(cgroup);
    e.setCommand(comm);
    TaskStats t = SampleRecords.fullTaskStats();
    t.setVersion(16);
    t.setAcComm(comm);
    t.setAcPid(pid);
    t.setAcTgid(tgid);
    t.setAcFlag(last ? 0x20 : 0);
    t.setCpuCount(cpuCount);
    t.setCpuDelayTotal(cpuDelay);
    e.setTask(t);
    return e;
  }

  /**
   * Sends an exit received at {@code at}, numbered in the fixture's sequence unless it names an
   * agent instance of its own; then lets the combiner send its sums.
   */
  public void send(TaskExit e, Instant at) {
    if (e.getAgentInstance().equals(SampleRecords.singleThreadedExit(0).getAgentInstance())) {
      e.setAgentSeq(nextSeq());
    }
    e.setReceivedAt(at);
    exits.pipeInput(new TestRecord<>(e.getHost(), FleetacctSerdes.taskExit().serialize("t", e), at));
    driver.advanceWallClockTime(FleetacctTopology.COMBINE_INTERVAL);
  }

  @Override
  public void close() {
    driver.close();
  }
}
