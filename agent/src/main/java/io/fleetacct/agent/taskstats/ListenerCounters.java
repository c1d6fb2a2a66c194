package io.fleetacct.agent.taskstats;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What the exit listener counted: every loss and every refusal has a counter. */
public final class ListenerCounters {
  /** Exit notifications decoded and handed on. */
  public final LongAdder received = new LongAdder();
  /** ENOBUFS from recv: the kernel dropped one or more messages for a full socket buffer. */
  public final LongAdder kernelOverflowEvents = new LongAdder();
  /** Messages missing from a per-CPU nlmsg_seq (counted on sockets that cover one CPU). */
  public final LongAdder kernelSequenceGaps = new LongAdder();
  /** Exits whose struct version is newer than the decoder knows (decoded, flagged). */
  public final LongAdder newerStructVersion = new LongAdder();
  /** The exit handler threw; the exit is lost to it. */
  public final LongAdder handlerErrors = new LongAdder();
  /** struct taskstats version of the last exit (0 before the first). */
  public final AtomicInteger structVersion = new AtomicInteger();

  private final Map<MalformedMessageException.Reason, LongAdder> decodeErrors =
      new EnumMap<>(MalformedMessageException.Reason.class);

  public ListenerCounters() {
    for (MalformedMessageException.Reason r : MalformedMessageException.Reason.values()) {
      decodeErrors.put(r, new LongAdder());
    }
  }

  public void decodeError(MalformedMessageException.Reason reason) {
    decodeErrors.get(reason).increment();
  }

  public long decodeErrors(MalformedMessageException.Reason reason) {
    return decodeErrors.get(reason).sum();
  }

  public long decodeErrors() {
    return decodeErrors.values().stream().mapToLong(LongAdder::sum).sum();
  }
}
