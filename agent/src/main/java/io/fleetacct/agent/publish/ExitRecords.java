package io.fleetacct.agent.publish;

import io.fleetacct.agent.cgroup.Attribution;
import io.fleetacct.agent.cgroup.Attributor;
import io.fleetacct.agent.cgroup.ExitAttribution;
import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.sample.SampledThreads;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.serde.AvroBinary;
import io.fleetacct.schema.serde.FleetacctSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.UUID;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Turns decoded exits into TaskExit records, written as Avro straight from the kernel's message
 * ({@link ExitNotification#writeTask}): host identity, this agent instance, the cgroup and container
 * ids, the process's command, and what samples published for the thread. No TaskExit or TaskStats
 * object is made on the way; the bytes are those Avro's encoder writes for the same record (the
 * single-object encoding of the exits topic), which ExitRecordsTest checks byte for byte.
 *
 * <p>Thread-safe: receive threads call it concurrently, each writing into its own {@link Encoded}.
 * agent_seq is left to whoever orders the records: the publisher numbers them as it queues them.
 */
public final class ExitRecords {

  private final HostIdentity host;
  private final String agentInstance;
  private final Attributor cgroups;
  private final SampledThreads sampled;
  /** The single-object header, then host, boot_id and agent_instance: what precedes agent_seq. */
  private final byte[] head;
  private final ThreadLocal<Encoded> encoded = ThreadLocal.withInitial(Encoded::new);
  private final SpecificDatumWriter<TaskDeltas> deltasWriter = new SpecificDatumWriter<>(TaskDeltas.class);

  /** @param cgroups where to attribute exits, or null to leave cgroup fields null */
  public ExitRecords(HostIdentity host, Attributor cgroups) {
    this(host, UUID.randomUUID().toString(), cgroups, null);
  }

  /** @param sampled what samples published for live threads, or null when the agent does not sample */
  public ExitRecords(HostIdentity host, String agentInstance, Attributor cgroups, SampledThreads sampled) {
    this.host = host;
    this.agentInstance = agentInstance;
    this.cgroups = cgroups;
    this.sampled = sampled;
    AvroBinary h = new AvroBinary(128);
    byte[] header = FleetacctSerdes.taskExit().header();
    h.writeBytes(header, 0, header.length);
    h.writeString(host.host());
    h.writeString(host.bootId());
    h.writeString(agentInstance);
    this.head = Arrays.copyOf(h.array(), h.length());
  }

  public String agentInstance() {
    return agentInstance;
  }

  /**
   * One exit's record but its agent_seq, in this thread's buffer (valid until this thread's next
   * call); {@link Encoded#withSeq} completes it.
   */
  public Encoded encode(ExitNotification exit, long receivedAtMillis) {
    ExitAttribution attributed = cgroups == null
        ? new ExitAttribution(Attribution.NONE, Command.ofExit(exit)) : cgroups.attribute(exit);
    Attribution where = attributed.cgroup();
    Encoded e = encoded.get();
    e.receivedAtMillis = receivedAtMillis;
    AvroBinary out = e.tail.reset();
    out.writeLong(receivedAtMillis);
    out.writeString(host.kernelRelease());
    optional(out, where.cgroup() == null ? null : where.cgroup().path());
    optional(out, where.cgroup() == null ? null : where.cgroup().containerId());
    optional(out, where.cgroup() == null ? null : where.cgroup().podUid());
    out.writeIndex(where.source().ordinal());
    exit.writeTask(out);
    if (exit.hasThreadGroup()) {
      out.writeIndex(1);
      exit.writeThreadGroup(out);
    } else {
      out.writeIndex(0);
    }
    TaskDeltas deltas = sampled == null ? null : sampled.take(exit.pid(), exit.acBtime64());
    if (deltas == null) {
      out.writeIndex(0);
    } else { // only threads alive at a sample: Avro's own encoder
      out.writeIndex(1);
      e.encoder = EncoderFactory.get().directBinaryEncoder(out.asStream(), e.encoder);
      try {
        deltasWriter.write(deltas, e.encoder);
      } catch (IOException impossible) {
        throw new UncheckedIOException(impossible);
      }
    }
    optional(out, attributed.command().name());
    out.writeIndex(attributed.command().source().ordinal());
    return e;
  }

  private static void optional(AvroBinary out, String s) {
    if (s == null) {
      out.writeIndex(0);
    } else {
      out.writeIndex(1);
      out.writeString(s);
    }
  }

  /** An exit's record without its agent_seq: what {@link #encode} wrote for one receive thread. */
  public final class Encoded {
    private final AvroBinary tail = new AvroBinary(1024);
    private long receivedAtMillis;
    private BinaryEncoder encoder;

    private Encoded() {}

    /** When the exit was received: the record's time. */
    public long receivedAtMillis() {
      return receivedAtMillis;
    }

    /** The whole record as the exits topic carries it, numbered {@code agentSeq}. */
    public byte[] withSeq(long agentSeq) {
      byte[] r = new byte[head.length + AvroBinary.longLength(agentSeq) + tail.length()];
      System.arraycopy(head, 0, r, 0, head.length);
      int at = AvroBinary.writeLong(agentSeq, r, head.length);
      System.arraycopy(tail.array(), 0, r, at, tail.length());
      return r;
    }

    /** The record numbered {@code agentSeq} as an object: for tools that print it. */
    public TaskExit toRecord(long agentSeq) {
      return FleetacctSerdes.taskExit().deserialize(null, withSeq(agentSeq));
    }
  }
}
