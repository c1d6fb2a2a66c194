package io.fleetacct.benchmarks.sketch;

import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the two candidate sketches (issue 32) cost where the tables use them: {@code update} is one
 * exit into a stored window sketch (decode, add, encode: the aggregation's step); {@code hour} is a
 * ranged read of one key, 60 stored 1-minute sketches merged from bytes and p99 taken.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SketchMergeBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class SketchMergeBenchmark {

  @Param({"DDSKETCH", "HDR_HISTOGRAM"})
  public Candidate candidate;

  /** Exits per key and minute. */
  @Param({"100", "1000"})
  public int perMinute;

  private final List<byte[]> minutes = new ArrayList<>();
  private byte[] stored;
  private DelayValues values;

  @Setup
  public void setUp() {
    values = new DelayValues(33);
    for (int m = 0; m < 60; m++) {
      Object minute = candidate.create();
      for (int i = 0; i < perMinute; i++) {
        candidate.add(minute, values.next());
      }
      minutes.add(candidate.encode(minute));
    }
    stored = minutes.get(0);
  }

  @Benchmark
  public byte[] update() {
    Object s = candidate.decode(stored);
    candidate.add(s, values.next());
    return candidate.encode(s);
  }

  @Benchmark
  public double hour() {
    Object range = candidate.create();
    for (byte[] m : minutes) {
      candidate.mergeEncoded(range, m);
    }
    return candidate.quantile(range, 0.99);
  }
}
