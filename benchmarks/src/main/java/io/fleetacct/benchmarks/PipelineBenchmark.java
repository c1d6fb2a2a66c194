package io.fleetacct.benchmarks;

import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.publish.ExitRecords;
import io.fleetacct.agent.publish.ProducerSettings;
import io.fleetacct.agent.publish.Publisher;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.publish.SequenceJournal;
import io.fleetacct.agent.publish.Spool;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.TaskstatsDecoder;
import io.fleetacct.common.io.Directories;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.serde.FleetacctSchemas;
import io.fleetacct.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The agent's pipeline without the kernel: captured exit messages are decoded, made into TaskExit
 * records, numbered, encoded and sent to a real (embedded) broker by the real publisher, with the
 * real producer settings. Reports exits per second until the last is acknowledged, and bytes per
 * exit as encoded and as stored by the broker.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.fleetacct.benchmarks.PipelineBenchmark [exits]}
 */
public final class PipelineBenchmark {

  public static void main(String[] args) throws Exception {
    FleetacctSchemas.trustGeneratedClasses();
    long exits = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
    List<byte[]> captures = Stream.of(Captures.SINGLE_THREADED, Captures.DD_DELAYACCT, Captures.SINGLE_THREADED,
        Captures.MULTITHREADED_WITH_TGID).map(Captures::message).toList();
    Path spoolDir = Files.createTempDirectory("fleetacct-bench-spool-");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      broker.createTopic("bench.exits", 1);
      broker.createTopic("bench.status", 1);
      PublisherCounters counters = new PublisherCounters();
      HostIdentity host = new HostIdentity("bench-host", "00000000-0000-0000-0000-000000000000", "6.18.44");
      Spool spool = Spool.open(spoolDir, 1L << 30);
      SequenceJournal journal = SequenceJournal.open(spoolDir, host.bootId(), List.of("0"));
      ExitRecords records = new ExitRecords(host, journal.agentInstance(), null, null);
      Publisher publisher = new Publisher(new Publisher.Config("bench.exits", "bench.status", records.agentInstance(), 10_000,
          Duration.ofSeconds(10), Duration.ofSeconds(30)),
          ProducerSettings.create(ProducerSettings.defaults(broker.bootstrapServers())),
          spool, journal, host.host(), last -> AgentStatus.newBuilder().setHost("bench-host")
              .setBootId("b").setAgentInstance("i").setStartedAt(java.time.Instant.now())
              .setSentAt(java.time.Instant.now()).setKernelRelease("k").build(), counters);
      publisher.start();
      TaskstatsDecoder decoder = new TaskstatsDecoder(31);
      ByteBuffer[] buffers = captures.stream().map(c -> ByteBuffer.allocateDirect(c.length)
          .order(ByteOrder.nativeOrder()).put(c).flip()).toArray(ByteBuffer[]::new);

      long start = System.nanoTime();
      for (long i = 0; i < exits; i++) {
        ByteBuffer m = buffers[(int) (i & 3)];
        ExitNotification e = decoder.decode(m, 0, m.limit());
        while (publisher.waiting().queued() > 8_000) {
          Thread.onSpinWait(); // the benchmark measures delivery, not the spool
        }
        publisher.submit(records.encode(e, System.currentTimeMillis()), 0, i, 0);
      }
      while (counters.published.sum() < exits) {
        Thread.sleep(1);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      publisher.close();
      long onBroker = directorySize(broker.dataDir().resolve("kafka-logs/bench.exits-0"), ".log");
      System.out.printf("pipeline: %d exits in %.2f s = %.0f exits/s; spooled %d; encoded %.1f bytes/exit;"
              + " stored %.1f bytes/exit on the broker (zstd, log segments)%n", exits, seconds, exits / seconds,
          counters.spooled.sum(), counters.encodedBytes.sum() / (double) exits, onBroker / (double) exits);
    } finally {
      Directories.deleteTree(spoolDir);
    }
  }

  private static long directorySize(Path dir, String suffix) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(suffix)).mapToLong(p -> p.toFile().length()).sum();
    }
  }

}
