package io.fleetacct.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cgroup.Attribution;
import io.fleetacct.agent.cgroup.AttributionCounters;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.Cgroup;
import io.fleetacct.agent.cgroup.ExitAttribution;
import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.sample.SampledThreads;
import io.fleetacct.agent.sample.SampledThreadsFixture;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.TaskstatsDecoder;
import io.fleetacct.agent.taskstats.TestExits;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The agent writes each exit's record straight from the kernel's message: the bytes must be those
 * Avro's own encoder writes for the same record, made the slow way (TaskStats objects from the
 * message, a TaskExit around them), on the captured messages and on fuzzed ones of every struct
 * version, thread group or not, names ASCII or not (bad UTF-8 too), with every kind of attribution,
 * command and sample.
 */
class ExitRecordsTest {

  private static final HostIdentity HOST = new HostIdentity("node-ü-1", "0b3f-boot", "6.18.44-fc");
  private static final String INSTANCE = "a1b2c3-instance";

  /** Attributes every exit to {@code where}, with {@code command} (null: the exit's own). */
  private static Attributor fixed(Attribution where, Command command) {
    return new Attributor() {
      @Override
      public ExitAttribution attribute(ExitNotification exit) {
        return new ExitAttribution(where, command != null ? command : Command.ofExit(exit));
      }

      @Override
      public String mode() {
        return "test";
      }

      @Override
      public AttributionCounters counters() {
        return new AttributionCounters();
      }

      @Override
      public void close() {}
    };
  }

  /** Avro's encoding of the record the slow way, beside the direct bytes. */
  private static void assertSameBytes(ExitRecords records, Attributor attributor, SampledThreads sampled,
                                      ExitNotification exit, long receivedAt, long seq) {
    ExitAttribution a = attributor.attribute(exit);
    TaskExit expected = new TaskExit();
    expected.setHost(HOST.host());
    expected.setBootId(HOST.bootId());
    expected.setAgentInstance(INSTANCE);
    expected.setAgentSeq(seq);
    expected.setReceivedAt(Instant.ofEpochMilli(receivedAt));
    expected.setKernelRelease(HOST.kernelRelease());
    if (a.cgroup().cgroup() != null) {
      expected.setCgroup(a.cgroup().cgroup().path());
      expected.setContainerId(a.cgroup().cgroup().containerId());
      expected.setPodUid(a.cgroup().cgroup().podUid());
    }
    expected.setCgroupSource(a.cgroup().source());
    expected.setTask(exit.task());
    expected.setThreadGroup(exit.threadGroup());
    expected.setCommand(a.command().name());
    expected.setCommandSource(a.command().source());
    if (sampled != null) {
      SampledThreadsFixture.published(sampled, exit.pid(), exit.acBtime64(), seq);
      SampledThreads twin = new SampledThreads();
      SampledThreadsFixture.published(twin, exit.pid(), exit.acBtime64(), seq);
      expected.setSampled(twin.take(exit.pid(), exit.acBtime64()));
      assertThat(expected.getSampled()).isNotNull();
    }
    byte[] slow = FleetacctSerdes.taskExit().serialize("exits", expected);
    byte[] direct = records.encode(exit, receivedAt).withSeq(seq);
    assertThat(direct).as("%s", exit).isEqualTo(slow);
    assertThat(FleetacctSerdes.taskExit().deserialize("exits", direct)).isEqualTo(expected);
  }

  private static ExitNotification decode(byte[] message) throws Exception {
    return new TaskstatsDecoder(-1).decode(ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()), 0, message.length);
  }

  @Test
  void theCapturedExitsAreWrittenAsAvroWritesThem() throws Exception {
    Attributor attributor = fixed(new Attribution(Cgroup.of(
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice"
            + "/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"),
        CgroupSource.exit_hook), null);
    ExitRecords records = new ExitRecords(HOST, INSTANCE, attributor, null);
    for (String capture : List.of(Captures.SINGLE_THREADED, Captures.MULTITHREADED_WITH_TGID, Captures.DD_DELAYACCT)) {
      ExitNotification exit = decode(Captures.message(capture));
      assertSameBytes(records, attributor, null, exit, 1_733_000_000_123L, 41);
      assertThat(exit.hasThreadGroup()).isEqualTo(capture.equals(Captures.MULTITHREADED_WITH_TGID));
    }
  }

  @Test
  void fuzzedExitsOfEveryVersionAreWrittenAsAvroWritesThem() throws Exception {
    Random random = new Random(20261206);
    int[] versions = {1, 2, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 18, 21};
    List<Attribution> places = List.of(Attribution.NONE,
        new Attribution(Cgroup.of("/system.slice/cron.service"), CgroupSource.proc_at_exit),
        new Attribution(Cgroup.of("/user.slice/é-ümlaut.scope"), CgroupSource.exit_hook),
        new Attribution(Cgroup.of("/docker/" + "ab".repeat(32)), CgroupSource.exit_hook));
    List<Command> commands = java.util.Arrays.asList(null, new Command("nginx", CommandSource.exit_hook),
        new Command("prog-ß", CommandSource.proc_at_exit));
    List<byte[]> comms = List.of(new byte[0], "sh".getBytes(StandardCharsets.US_ASCII),
        "kworker/0:1-events".getBytes(StandardCharsets.US_ASCII), "naïve".getBytes(StandardCharsets.UTF_8),
        new byte[] {'a', (byte) 0xff, (byte) 0xc3, 'b'}, "x".repeat(32).getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < 2_000; i++) {
      int version = versions[random.nextInt(versions.length)];
      byte[] task = TestExits.fuzzedStruct(random, version, comms.get(random.nextInt(comms.size())));
      byte[] group = random.nextBoolean() ? TestExits.fuzzedStruct(random, random.nextInt(4) == 0 ? 0 : version,
          comms.get(random.nextInt(comms.size()))) : null;
      int pid = 1 + random.nextInt(4_000_000);
      byte[] message = TestExits.message(random.nextInt(), pid, task, random.nextBoolean() ? pid : pid + 1, group);
      ExitNotification exit = decode(message);
      Attributor attributor = fixed(places.get(random.nextInt(places.size())), commands.get(random.nextInt(3)));
      SampledThreads sampled = random.nextInt(5) == 0 ? new SampledThreads() : null;
      ExitRecords records = new ExitRecords(HOST, INSTANCE, attributor, sampled);
      long seq = random.nextInt(3) == 0 ? random.nextLong() & Long.MAX_VALUE : random.nextInt(1000);
      assertSameBytes(records, attributor, sampled, exit, random.nextLong() >>> 20, seq);
    }
  }

  @Test
  void aThreadsBufferIsReusedButEachRecordIsItsOwn() throws Exception {
    Attributor attributor = fixed(Attribution.NONE, null);
    ExitRecords records = new ExitRecords(HOST, INSTANCE, attributor, null);
    ExitNotification single = decode(Captures.message(Captures.SINGLE_THREADED));
    ExitNotification multi = decode(Captures.message(Captures.MULTITHREADED_WITH_TGID));
    byte[] first = records.encode(single, 1_000).withSeq(0);
    byte[] second = records.encode(multi, 2_000).withSeq(1);
    assertThat(first).isEqualTo(records.encode(single, 1_000).withSeq(0));
    assertThat(second).isNotEqualTo(first);
    TaskExit back = FleetacctSerdes.taskExit().deserialize("exits", first);
    assertThat(back.getReceivedAt()).isEqualTo(Instant.ofEpochMilli(1_000));
    assertThat(back.getTask().getAcPid()).isEqualTo(single.pid());
  }
}
