package io.fleetacct.benchmarks.sketch;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * The two sketch libraries that issue 32 names, each used as the tables would use it: one sketch
 * per key and window in its serialized form, values in nanoseconds, a 1% relative error.
 */
public enum Candidate {
  /** DDSketch (sketches-java): logarithmic mapping with relative accuracy 0.01, dense store. */
  DDSKETCH {
    private final LogarithmicMapping mapping = new LogarithmicMapping(0.01);

    @Override
    public Object create() {
      return new DDSketch(mapping, UnboundedSizeDenseStore::new);
    }

    @Override
    public void add(Object sketch, long nanos) {
      ((DDSketch) sketch).accept(nanos);
    }

    @Override
    public byte[] encode(Object sketch) {
      GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
      try {
        ((DDSketch) sketch).encode(out, false); // the mapping included: readable on its own
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.trimmedCopy();
    }

    @Override
    public Object decode(byte[] bytes) {
      try {
        return DDSketch.decode(ByteArrayInput.wrap(bytes), UnboundedSizeDenseStore::new, mapping);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void mergeEncoded(Object into, byte[] bytes) {
      try {
        ((DDSketch) into).decodeAndMergeWith(ByteArrayInput.wrap(bytes));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public double quantile(Object sketch, double q) {
      return ((DDSketch) sketch).getValueAtQuantile(q);
    }

    @Override
    public int rank(double q, int n) {
      return (int) Math.floor(q * (n - 1)); // the lower quantile
    }
  },

  /** HdrHistogram: 1 ns to 1 hour, 2 significant digits (about 1% relative error), compressed form. */
  HDR_HISTOGRAM {
    @Override
    public Object create() {
      return new Histogram(1, 3_600_000_000_000L, 2);
    }

    @Override
    public void add(Object sketch, long nanos) {
      ((Histogram) sketch).recordValue(Math.min(nanos, 3_600_000_000_000L));
    }

    @Override
    public byte[] encode(Object sketch) {
      Histogram h = (Histogram) sketch;
      ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
      int n = h.encodeIntoCompressedByteBuffer(b);
      byte[] out = new byte[n];
      b.flip();
      b.get(out);
      return out;
    }

    @Override
    public Object decode(byte[] bytes) {
      try {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 1);
      } catch (DataFormatException e) {
        throw new IllegalArgumentException(e);
      }
    }

    @Override
    public void mergeEncoded(Object into, byte[] bytes) {
      ((Histogram) into).add((Histogram) decode(bytes));
    }

    @Override
    public double quantile(Object sketch, double q) {
      return ((Histogram) sketch).getValueAtPercentile(q * 100);
    }

    @Override
    public int rank(double q, int n) {
      return Math.max(0, (int) Math.ceil(q * n) - 1); // the smallest value with at least q of them at or below
    }
  };

  public abstract Object create();

  public abstract void add(Object sketch, long nanos);

  public abstract byte[] encode(Object sketch);

  public abstract Object decode(byte[] bytes);

  /** Merges a serialized sketch into {@code into}, as a ranged query or a rollup reads a stored one. */
  public abstract void mergeEncoded(Object into, byte[] bytes);

  public abstract double quantile(Object sketch, double q);

  /** The index, in the sorted values, of the exact quantile q as this library defines it. */
  public abstract int rank(double q, int n);
}
