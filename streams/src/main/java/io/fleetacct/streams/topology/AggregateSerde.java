package io.fleetacct.streams.topology;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The serde of the {@link Aggregate} working form. */
public final class AggregateSerde {

  /** Totals only (before delay sketches): still read, so that stores and changelogs of 0.3.0 carry on. */
  private static final byte TOTALS_ONLY = 1;
  private static final byte WITH_SKETCHES = 2;

  private AggregateSerde() {}

  /**
   * The working form on the wire (stores, changelogs, repartition topics): a format byte, the
   * totals' field count, each field as 8 bytes, the length of the sketches' compacted part (4
   * bytes), then the sketches' stored form. Fixed width for the totals, because the aggregations
   * decode and encode them on every update and bulk copies beat varints there. Internal: never
   * read outside this application; a newer build's extra fields are ignored, missing ones are 0.
   */
  public static Serde<Aggregate> serde() {
    return Serdes.serdeFrom((topic, v) -> v == null ? null : encode(v), (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return decode(bytes);
      } catch (SerializationException e) {
        throw new SerializationException(e.getMessage() + " in " + topic);
      }
    });
  }

  static byte[] encode(Aggregate v) {
    long[] t = v.totals();
    byte[] s = v.sketchBytes();
    ByteBuffer out = ByteBuffer.allocate(2 + 8 * t.length + 4 + s.length);
    out.put(WITH_SKETCHES).put((byte) t.length);
    out.asLongBuffer().put(t);
    out.position(2 + 8 * t.length);
    out.putInt(v.compacted()).put(s);
    return out.array();
  }

  static Aggregate decode(byte[] bytes) {
    int fields = bytes.length < 2 ? -1 : bytes[1] & 0xff;
    int totalsEnd = 2 + 8 * fields;
    boolean totalsOnly = bytes.length >= 2 && bytes[0] == TOTALS_ONLY && bytes.length == totalsEnd;
    boolean withSketches = bytes.length >= 2 && bytes[0] == WITH_SKETCHES && bytes.length >= totalsEnd + 4;
    if (!totalsOnly && !withSketches) {
      throw new SerializationException("not a fleetacct working aggregate (" + bytes.length + " bytes)");
    }
    long[] t = Totals.empty();
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.position(2);
    in.asLongBuffer().get(t, 0, Math.min(Totals.SIZE, fields));
    if (totalsOnly) {
      return Aggregate.of(t);
    }
    in.position(totalsEnd);
    int compacted = in.getInt();
    byte[] sketches = new byte[in.remaining()];
    in.get(sketches);
    if (compacted < 0 || compacted > sketches.length) {
      throw new SerializationException("malformed fleetacct working aggregate: compacted part of " + compacted
          + " bytes in " + sketches.length);
    }
    return new Aggregate(t, sketches, compacted);
  }
}
