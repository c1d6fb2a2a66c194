package io.fleetacct.benchmarks;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.AvroSerde;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding one TaskExit (every field set, with a thread_group aggregate) through
 * the Kafka serde, on one thread. Target (issue 2): at least 500,000 encodes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.apache.avro.specific.use_custom_coders=true")
@Threads(1)
public class TaskExitSerdeBenchmark {

  /** "full": with thread_group (the last thread of a multi-threaded process); "single": without. */
  @Param({"full", "single"})
  public String shape;

  private AvroSerde<TaskExit> serde;
  private TaskExit exit;
  private byte[] encoded;

  @Setup
  public void setUp() {
    serde = FleetacctSerdes.taskExit();
    exit = "full".equals(shape) ? CapturedExits.full() : CapturedExits.single();
    encoded = serde.serialize("fleetacct.exits", exit);
  }

  @Benchmark
  public byte[] encode() {
    return serde.serialize("fleetacct.exits", exit);
  }

  @Benchmark
  public TaskExit decode() {
    return serde.deserialize("fleetacct.exits", encoded);
  }
}
