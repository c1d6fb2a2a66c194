package io.fleetacct.agent.taskstats;

import io.fleetacct.agent.log.RateLimitedWarnings;
import io.fleetacct.agent.netlink.Datagrams;
import io.fleetacct.agent.netlink.Errno;
import io.fleetacct.agent.netlink.GenericNetlink;
import io.fleetacct.agent.netlink.Netlink;
import io.fleetacct.agent.netlink.NetlinkWalk;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives taskstats exit notifications for a set of CPUs over one or more netlink sockets, each
 * with its own receive thread, and hands them, decoded, to an {@link ExitHandler}.
 *
 * <p>Each socket registers its CPUs with TASKSTATS_CMD_ATTR_REGISTER_CPUMASK and, on {@link
 * #close()}, deregisters them from its own thread (the kernel keeps a closed listener until it
 * next fails to deliver to it). A socket drains what is queued, up to 16 datagrams a system call
 * (recvmmsg), then sleeps for the batch interval: waking once per batch instead of once per
 * message costs a third of the CPU (docs/taskstats.md). Losses are counted: ENOBUFS as overflow
 * events and, on sockets that cover one CPU, gaps in that CPU's nlmsg_seq as lost messages.
 */
public final class ExitListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExitListener.class);
  /** Requests and their acknowledgements (exits that arrive meanwhile too). */
  private static final int REQUEST_BUFFER = 16 * 1024;
  /**
   * Exits: up to 16 datagrams per recvmmsg, each up to 4 KiB (an exit with its thread group's
   * record is 1.4 KiB at struct version 17; newer versions append fields).
   */
  private static final int DATAGRAMS_PER_RECEIVE = 16;
  private static final int DATAGRAM_BYTES = 4096;
  private static final Duration RECEIVE_TIMEOUT = Duration.ofMillis(200);

  /** The receive buffer of each socket: 8 MiB holds ~3,600 exits (an exit's buffer share is ~2.3 KiB). */
  public static final int DEFAULT_SOCKET_BUFFER = 8 * 1024 * 1024;
  /**
   * How long a socket sleeps between drains, in ms: 50 ms cost a third of 10 ms's CPU per exit in
   * the same storm (docs/benchmarks.md, issue 33) and leave room for ~70,000 exits a second in the
   * default buffer.
   */
  public static final String DEFAULT_BATCH_INTERVAL_MS = "50";

  /** How to listen; {@link #defaults(CpuList)} gives the recommended values. */
  public record Options(CpuList cpus, int sockets, int socketBufferBytes, Duration batchInterval) {
    public static Options defaults(CpuList cpus) {
      return new Options(cpus, 1, DEFAULT_SOCKET_BUFFER,
          Duration.ofMillis(Long.parseLong(DEFAULT_BATCH_INTERVAL_MS)));
    }

    /** The defaults with one socket per CPU: every lost exit is counted (see {@link ExitHandler}). */
    public static Options perCpu(CpuList cpus) {
      return new Options(cpus, cpus.size(), DEFAULT_SOCKET_BUFFER, defaults(cpus).batchInterval());
    }

    /** The CPU lists of the sockets, one per socket, in socket order. */
    public List<CpuList> socketCpus() {
      return cpus.split(sockets);
    }
  }

  private final Options options;
  private final ExitHandler handler;
  private final ListenerCounters counters;
  private final RateLimitedWarnings warnings = new RateLimitedWarnings(log, 10, TimeUnit.SECONDS);
  private final List<Receiver> receivers = new ArrayList<>();
  private volatile boolean stopping;
  private int familyId;

  private ExitListener(Options options, ExitHandler handler, ListenerCounters counters) {
    this.options = options;
    this.handler = handler;
    this.counters = counters;
  }

  /**
   * Registers for exits on every CPU of {@code options} and starts the receive threads. On any
   * failure nothing stays registered and a NetlinkException says what to fix.
   */
  public static ExitListener start(Options options, ExitHandler handler, ListenerCounters counters)
      throws NetlinkException {
    return start(options, socket -> -1, handler, counters);
  }

  /**
   * As {@link #start(Options, ExitHandler, ListenerCounters)}, resuming each single-CPU socket's
   * nlmsg_seq where an earlier listener left it, so that what the kernel announced in between
   * counts as missed.
   *
   * @param resumeSeq per socket index, the nlmsg_seq of the last exit received before, or -1
   */
  public static ExitListener start(Options options, IntToLongFunction resumeSeq, ExitHandler handler,
                                   ListenerCounters counters) throws NetlinkException {
    ExitListener listener = new ExitListener(options, handler, counters);
    try {
      listener.familyId = TaskstatsClient.resolveFamily();
      List<CpuList> parts = options.socketCpus();
      for (int i = 0; i < parts.size(); i++) {
        listener.receivers.add(listener.new Receiver(i, parts.get(i), resumeSeq.applyAsLong(i)));
      }
      for (Receiver r : listener.receivers) {
        r.thread.start();
      }
      return listener;
    } catch (NetlinkException | RuntimeException e) {
      listener.close();
      throw e;
    }
  }

  /** The CPU lists of the sockets, one per socket. */
  public List<CpuList> socketCpus() {
    return receivers.stream().map(r -> r.cpus).toList();
  }

  /** Deregisters every socket, processing what arrives until the kernel acknowledges, and stops. */
  @Override
  public void close() {
    stopping = true;
    for (Receiver r : receivers) {
      if (r.thread.isAlive()) {
        try {
          r.thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      } else {
        r.deregisterAndClose(); // never started: we still own the socket
      }
    }
  }

  private final class Receiver implements Runnable {
    final int index;
    final CpuList cpus;
    final boolean singleCpu;
    final NetlinkSocket socket;
    final GenericNetlink genl;
    final ByteBuffer rx = NetlinkSocket.direct(REQUEST_BUFFER);
    final Datagrams datagrams = new Datagrams(DATAGRAMS_PER_RECEIVE, DATAGRAM_BYTES);
    final TaskstatsDecoder decoder = new TaskstatsDecoder(familyId);
    final NetlinkWalk messages = NetlinkWalk.reusable();
    final ExitNotification exit = new ExitNotification(); // every exit of this socket, in turn
    final Thread thread;
    boolean registered;
    long lastSeq;

    Receiver(int index, CpuList cpus, long resumeSeq) throws NetlinkException {
      this.index = index;
      this.cpus = cpus;
      this.singleCpu = cpus.size() == 1;
      this.lastSeq = singleCpu ? resumeSeq : -1;
      this.socket = NetlinkSocket.open(NetlinkSocket.NETLINK_GENERIC, 0);
      try {
        socket.setReceiveBuffer(options.socketBufferBytes());
        socket.setReceiveTimeout(RECEIVE_TIMEOUT);
        genl = new GenericNetlink(socket, rx);
        send(Taskstats.CMD_ATTR_REGISTER_CPUMASK, "register");
        registered = true;
      } catch (NetlinkException e) {
        socket.close();
        throw e;
      }
      thread = new Thread(this, "taskstats-cpus-" + cpus);
      thread.setDaemon(true);
    }

    private void send(int attr, String what) throws NetlinkException {
      ByteBuffer req = Netlink.Request.genl(familyId, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK,
              genl.nextSeq(), socket.portId(), Taskstats.CMD_GET, Taskstats.GENL_VERSION)
          .attrString(attr, cpus.toString())
          .build();
      try {
        genl.request(req, "TASKSTATS " + what + " CPUs " + cpus, this::onMessage);
      } catch (NetlinkException e) {
        throw TaskstatsClient.explain(e, what + " for exit notifications on CPUs " + cpus);
      }
    }

    @Override
    public void run() {
      long batchNanos = options.batchInterval().toNanos();
      try {
        while (!stopping) {
          if (receive(false) > 0) {
            while (!stopping && receive(true) == datagrams.capacity()) {
              // a full batch: more may be queued
            }
            if (batchNanos > 0 && !stopping) {
              TimeUnit.NANOSECONDS.sleep(batchNanos);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (NetlinkException | RuntimeException e) {
        log.error("exit listener for CPUs {} stopped: {}", cpus, e.toString(), e);
      } finally {
        deregisterAndClose();
      }
    }

    /**
     * What is queued, in one recvmmsg; returns the number of datagrams (the batch's capacity after
     * an overflow, so that the caller keeps draining), or -1 when none came.
     */
    private int receive(boolean dontWait) throws NetlinkException {
      int n;
      try {
        n = socket.receive(datagrams, dontWait);
      } catch (NetlinkException e) {
        if (e.errno() == Errno.ENOBUFS) {
          counters.kernelOverflowEvents.increment();
          warnings.warn("enobufs", "kernel dropped exit notifications for CPUs {}: socket buffer full"
              + " (ENOBUFS); raise --socket-buffer or --sockets", cpus);
          return datagrams.capacity(); // the socket is fine: keep draining
        }
        throw e;
      }
      if (n <= 0) {
        return -1;
      }
      long now = System.currentTimeMillis();
      ByteBuffer b = datagrams.buffer();
      for (int i = 0; i < n; i++) {
        onDatagram(b, datagrams.offset(i), datagrams.length(i), now);
      }
      return n;
    }

    private void onDatagram(ByteBuffer b, int off, int n, long now) {
      messages.messagesOf(b, off, off + n);
      try {
        while (messages.next()) {
          onMessage(b, messages.offset(), messages.length(), now);
        }
      } catch (NetlinkWalk.Malformed e) {
        counters.decodeError(MalformedMessageException.Reason.BAD_MESSAGE_LENGTH);
        warnings.warn("framing", "malformed netlink datagram from the kernel of {} bytes: {}", n, e.getMessage());
      }
    }

    private void onMessage(ByteBuffer message) {
      onMessage(message, 0, message.limit(), System.currentTimeMillis());
    }

    private void onMessage(ByteBuffer b, int off, int len, long now) {
      int type = b.getShort(off + 4) & 0xffff;
      if (type == Netlink.NLMSG_ERROR || type == Netlink.NLMSG_NOOP || type == Netlink.NLMSG_DONE) {
        return; // a late acknowledgement, not an exit
      }
      try {
        decoder.decode(b, off, len, exit);
      } catch (MalformedMessageException e) {
        counters.decodeError(e.reason());
        warnings.warn("decode-" + e.reason(), "refused a taskstats message: {}", e.getMessage());
        return;
      }
      long missed = singleCpu ? countGap(exit.kernelSeq()) : 0;
      counters.received.increment();
      counters.structVersion.set(exit.version());
      if (exit.newerStructVersion()) {
        counters.newerStructVersion.increment();
        warnings.warn("newer-version", "kernel sends struct taskstats version {}, newer than {}: decoding the"
            + " known fields only", exit.version(), Taskstats.NEWEST_KNOWN_VERSION);
      }
      try {
        handler.onExit(exit, now, index, missed);
      } catch (RuntimeException e) {
        counters.handlerErrors.increment();
        warnings.warn("handler", "exit handler failed: {}", e.toString());
      }
    }

    /** Notifications missing before this one on this socket's CPU. */
    private long countGap(long s) {
      long missing = 0;
      if (lastSeq >= 0) {
        missing = (s - lastSeq - 1) & 0xffffffffL;
        if (missing > 0 && missing < (1L << 31)) {
          counters.kernelSequenceGaps.add(missing);
          warnings.warn("gap", "lost {} exit notifications on CPU {} (nlmsg_seq {} after {})",
              missing, cpus, s, lastSeq);
        } else {
          missing = 0; // a replayed or wrapped-back number: not a loss we can size
        }
      }
      lastSeq = s;
      return missing;
    }

    void deregisterAndClose() {
      if (registered) {
        try {
          send(Taskstats.CMD_ATTR_DEREGISTER_CPUMASK, "deregister");
        } catch (NetlinkException e) {
          log.warn("cannot deregister exit notifications for CPUs {}: {}", cpus, e.getMessage());
        }
        registered = false;
      }
      socket.close();
    }
  }
}
