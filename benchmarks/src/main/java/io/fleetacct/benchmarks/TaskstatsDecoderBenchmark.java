package io.fleetacct.benchmarks;

import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.MalformedMessageException;
import io.fleetacct.agent.taskstats.TaskstatsDecoder;
import io.fleetacct.testing.Captures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * Decoding real captured exit notifications from a direct buffer, as the receive thread does.
 * Target (issue 3): at least 5,000,000 messages per second on one core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class TaskstatsDecoderBenchmark {

  @Param({"01-single-threaded-sleep", "02-multithreaded-python3-with-tgid-aggr"})
  public String capture;

  private TaskstatsDecoder decoder;
  private ByteBuffer message;
  private int length;

  @Setup
  public void setUp() throws IOException {
    byte[] raw = Captures.message(capture);
    message = ByteBuffer.allocateDirect(raw.length).order(ByteOrder.nativeOrder());
    message.put(raw).flip();
    length = raw.length;
    decoder = new TaskstatsDecoder(31);
  }

  @Benchmark
  public ExitNotification decode() throws MalformedMessageException {
    return decoder.decode(message, 0, length);
  }
}
