package io.fleetacct.streams.topology;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The serde of the {@link Totals} working form. */
public final class TotalsSerde {

  private static final byte FORMAT = 1;

  private TotalsSerde() {}

  /**
   * The working form on the wire (stores, changelogs, repartition topics): a format byte, the
   * field count, then each field as 8 bytes. Fixed width, because the aggregation decodes and
   * encodes it on every update and bulk copies beat varints there. Internal: never read outside
   * this application; a newer build's extra fields are ignored, missing ones are 0.
   */
  public static Serde<long[]> serde() {
    return Serdes.serdeFrom((topic, v) -> {
      if (v == null) {
        return null;
      }
      byte[] out = new byte[2 + 8 * v.length];
      out[0] = FORMAT;
      out[1] = (byte) v.length;
      ByteBuffer.wrap(out, 2, 8 * v.length).asLongBuffer().put(v);
      return out;
    }, (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      if (bytes.length < 2 || bytes[0] != FORMAT || bytes.length != 2 + 8 * (bytes[1] & 0xff)) {
        throw new SerializationException("not fleetacct working totals (" + bytes.length + " bytes) in " + topic);
      }
      long[] v = new long[Totals.SIZE];
      ByteBuffer.wrap(bytes, 2, bytes.length - 2).asLongBuffer().get(v, 0, Math.min(Totals.SIZE, bytes[1] & 0xff));
      return v;
    });
  }
}
