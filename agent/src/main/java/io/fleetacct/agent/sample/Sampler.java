package io.fleetacct.agent.sample;

import io.fleetacct.agent.cgroup.Cgroup;
import io.fleetacct.agent.cgroup.ProcCgroupFiles;
import io.fleetacct.agent.command.ProcComm;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.ThreadNameDeltas;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every interval, reads each live thread of the host (TASKSTATS_CMD_GET by thread id; kernel
 * threads too) and publishes, per thread group, one {@link TaskSample} with the sum of its threads'
 * deltas since their last sample (and the same split by thread name), under the process's command
 * (its leader's comm). Threads and groups without change are left out; a thread that
 * exits before it is read, or has begun to exit, is left to its exit record. What each thread has
 * had published is kept ({@link SampledThreads}, and {@link SampledJournal} across restarts), so
 * that its exit can say so and a thread's samples plus its exit add up to its lifetime totals.
 *
 * <p>A thread that was running before this agent instance began to sample (and that no earlier run
 * of the instance sampled) is first published whole, in a sample of its own marked
 * {@code carried_over}: its life so far happened mostly before anyone watched, in no minute that
 * the windows could name, so it counts in the all-time tables only.
 */
public final class Sampler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Sampler.class);
  private static final int[] MAX_IN_SAMPLE = SampledThreads.MAX_FIELDS.stream()
      .mapToInt(n -> TaskSample.getClassSchema().getField(n).pos()).toArray();

  /** Reads one thread: its statistics so far, or null if it is gone. */
  public interface Query extends AutoCloseable {
    TaskStats pid(long tid) throws NetlinkException;

    @Override
    void close();
  }

  /** Where a cycle's samples go: numbered in agent_seq order, then {@code persist}, then queued. */
  public interface Sink {
    void submitSamples(Supplier<List<TaskSample>> make, Runnable persist);
  }

  private final Duration interval;
  private final LiveThreads threads;
  private final Query query;
  private final ProcCgroupFiles cgroups;
  private final ProcComm comms;
  private final SampledThreads table;
  private final SampledJournal journal;
  private final Sink sink;
  private final HostIdentity host;
  private final String agentInstance;
  private final SamplerCounters counters;
  /** Stamps sampled_at: the host's clock but in tests of skewed hosts. */
  private final Clock clock;
  /** When this sampler began, in ac_btime64's terms (epoch seconds): threads begun before are carried over. */
  private final long startedAt;
  private final Thread thread;
  private volatile boolean stopping;

  Sampler(Duration interval, LiveThreads threads, Query query, ProcCgroupFiles cgroups, SampledThreads table,
          SampledJournal journal, Sink sink, HostIdentity host, String agentInstance, SamplerCounters counters,
          Clock clock) {
    this.interval = interval;
    this.threads = threads;
    this.query = query;
    this.cgroups = cgroups;
    this.comms = new ProcComm(threads.procRoot());
    this.table = table;
    this.journal = journal;
    this.sink = sink;
    this.host = host;
    this.agentInstance = agentInstance;
    this.counters = counters;
    this.clock = clock;
    this.startedAt = clock.instant().getEpochSecond();
    this.thread = new Thread(this::run, "sampler");
    this.thread.setDaemon(true);
  }

  /** The file in {@code spoolDir} where the sampler keeps what it published per thread. */
  public static Path journalFile(Path spoolDir) {
    return spoolDir.resolve(SampledJournal.FILE);
  }

  /**
   * A sampler for this host, continuing what the previous run of {@code agentInstance} published
   * (from the journal in {@code spoolDir}); call {@link #start}.
   */
  public static Sampler create(Duration interval, Query query, ProcCgroupFiles cgroups, SampledThreads table,
                               Path spoolDir, Sink sink, HostIdentity host, String agentInstance,
                               SamplerCounters counters, Clock clock) throws IOException {
    SampledJournal journal = new SampledJournal(spoolDir, host.bootId(), agentInstance);
    Map<Long, SampledThreads.Published> previous = journal.read();
    if (!previous.isEmpty()) {
      log.info("continuing the samples of {} live threads from the previous run", previous.size());
    }
    table.restore(previous);
    return new Sampler(interval, new LiveThreads(cgroups.procRoot()), query, cgroups, table, journal, sink, host,
        agentInstance, counters, clock);
  }

  public Sampler start() {
    thread.start();
    return this;
  }

  private void run() {
    long next = System.nanoTime();
    while (!stopping) {
      try {
        cycle();
      } catch (IOException | RuntimeException e) {
        counters.errors.increment();
        log.warn("sampling cycle failed: {}", e.toString());
      }
      next += interval.toNanos();
      long wait = next - System.nanoTime();
      if (wait < 0) {
        next = System.nanoTime(); // a cycle longer than the interval: the next one starts now
        continue;
      }
      synchronized (this) {
        try {
          if (!stopping) {
            wait(Math.max(1, wait / 1_000_000));
          }
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /**
   * One thread that changed since its last sample, and its own name; carried over: its whole life
   * so far, begun before this sampler.
   */
  private record Change(long tid, String name, SampledThreads.Published now, long[] delta, long[] windowMax,
                        boolean carriedOver) {}

  /** One thread group's changes, and what names it. */
  private static final class Group {
    final long tgid;
    final Cgroup cgroup;
    final List<Change> changes = new ArrayList<>();
    boolean anyCarriedOver;
    /** The main thread's reading, else the first changed thread's: user, high-water marks. */
    TaskStats named;
    /** The process's command: the running leader's comm, else its file's (a leader gone before its threads). */
    String command;

    Group(long tgid, Cgroup cgroup) {
      this.tgid = tgid;
      this.cgroup = cgroup;
    }
  }

  /** One sampling cycle now, on the caller's thread (what {@link #start()}'s thread does each interval): for tests and benchmarks. */
  public void cycle() throws IOException {
    long start = System.nanoTime();
    Instant at = clock.instant();
    table.beginCycle();
    Set<Long> seen = null; // null until the listing succeeded: no thread is forgotten on a failed one
    Map<Long, Group> groups = new LinkedHashMap<>();
    Map<Long, TaskStats> leaders = new HashMap<>();
    try {
      List<LiveThreads.Id> listed = threads.list();
      seen = new HashSet<>(listed.size() * 2);
      for (LiveThreads.Id id : listed) {
        seen.add(id.tid());
        TaskStats s;
        try {
          s = query.pid(id.tid());
        } catch (NetlinkException e) {
          counters.errors.increment();
          continue;
        }
        counters.threadsRead.increment();
        if (s == null || !threads.running(id)) {
          continue; // exited or exiting: its exit record covers it
        }
        if (id.tid() == id.tgid()) {
          leaders.put(id.tgid(), s);
        }
        Change c = change(id.tid(), s);
        if (c != null) {
          Group g = groups.computeIfAbsent(id.tgid(), tgid -> new Group(tgid, cgroups.process(tgid)));
          g.changes.add(c);
          g.anyCarriedOver |= c.carriedOver();
          if (g.named == null) {
            g.named = s;
          }
        }
      }
      for (Group g : groups.values()) {
        TaskStats leader = leaders.get(g.tgid);
        g.named = leader != null ? leader : g.named;
        String fromFile = leader == null ? comms.of(g.tgid) : null;
        g.command = leader != null ? leader.getAcComm() : fromFile != null ? fromFile : g.named.getAcComm();
      }
      sink.submitSamples(() -> samples(groups.values(), at), this::persist);
    } finally {
      long end = System.nanoTime();
      table.endCycle(seen, end);
      counters.cycles.increment();
      counters.lastCycleNanos.set(end - start);
    }
  }

  /** What a thread adds since its last sample, or null if nothing. */
  private Change change(long tid, TaskStats s) {
    long btime = s.getAcBtime64();
    SampledThreads.Published before = table.get(tid, btime);
    long[] totals = SampledThreads.totals(s);
    long[] maxima = SampledThreads.maxima(s);
    long[] delta = totals.clone();
    long[] windowMax = maxima.clone();
    boolean changed = false;
    for (int i = 0; i < delta.length; i++) {
      if (before != null) {
        delta[i] -= before.totals()[i];
      }
      changed |= delta[i] != 0;
    }
    for (int i = 0; i < windowMax.length; i++) {
      if (before != null && windowMax[i] <= before.maxima()[i]) {
        windowMax[i] = 0; // its largest delay is older than this interval
      }
      changed |= windowMax[i] != 0;
    }
    // ac_btime64 may read a second off (SampledThreads.sameTask): a thread begun in the sampler's
    // first second is not carried over.
    boolean carriedOver = before == null && btime < startedAt - 1;
    return changed ? new Change(tid, s.getAcComm(), new SampledThreads.Published(btime, totals, maxima), delta, windowMax,
        carriedOver) : null;
  }

  /**
   * Under the publisher's lock: installs each change (unless its thread exited meanwhile) and sums
   * them; per group, one sample of what came since the last, and one of the lives carried over.
   */
  private List<TaskSample> samples(Iterable<Group> groups, Instant at) {
    List<TaskSample> out = new ArrayList<>();
    for (Group g : groups) {
      addSample(g, false, at, out);
      if (g.anyCarriedOver) {
        addSample(g, true, at, out);
      }
    }
    counters.samples.add(out.size());
    return out;
  }

  /** Adds to {@code out} the group's sample of the changes that are carried over, or of the others. */
  private void addSample(Group g, boolean carriedOver, Instant at, List<TaskSample> out) {
    long[] sum = new long[SampledThreads.FIELDS.size()];
    long[] max = new long[SampledThreads.MAX_FIELDS.size()];
    Map<String, ByName> byName = new LinkedHashMap<>();
    int threadCount = 0;
    for (Change c : g.changes) {
      if (c.carriedOver() != carriedOver || !table.install(c.tid(), c.now())) {
        continue;
      }
      threadCount++;
      add(sum, c.delta());
      ByName n = byName.computeIfAbsent(c.name(), k -> new ByName(new long[sum.length]));
      n.threads++;
      add(n.sum, c.delta());
      for (int i = 0; i < max.length; i++) {
        max[i] = Math.max(max[i], c.windowMax()[i]);
      }
    }
    if (threadCount > 0) {
      TaskSample s = sample(g, threadCount, sum, max, byName, at);
      s.setCarriedOver(carriedOver);
      out.add(s);
    }
  }

  /** The deltas of one thread name's threads in a sample. */
  private static final class ByName {
    final long[] sum;
    int threads;

    ByName(long[] sum) {
      this.sum = sum;
    }
  }

  private static void add(long[] sum, long[] delta) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += delta[i];
    }
  }

  private TaskSample sample(Group g, int threadCount, long[] sum, long[] max, Map<String, ByName> byName,
                            Instant at) {
    TaskStats named = g.named;
    TaskSample s = new TaskSample();
    s.setHost(host.host());
    s.setBootId(host.bootId());
    s.setAgentInstance(agentInstance);
    s.setSampledAt(at);
    s.setIntervalMs(interval.toMillis());
    s.setKernelRelease(host.kernelRelease());
    if (g.cgroup != null) {
      s.setCgroup(g.cgroup.path());
      s.setContainerId(g.cgroup.containerId());
      s.setPodUid(g.cgroup.podUid());
    }
    s.setAcComm(g.command);
    s.setAcUid(named.getAcUid());
    s.setAcTgid(g.tgid);
    s.setThreads(threadCount);
    s.setDeltas(SampledThreads.deltas(sum));
    List<ThreadNameDeltas> names = new ArrayList<>(byName.size());
    byName.forEach((name, n) -> names.add(new ThreadNameDeltas(name, n.threads, SampledThreads.deltas(n.sum))));
    s.setThreadNames(names);
    for (int i = 0; i < max.length; i++) {
      s.put(MAX_IN_SAMPLE[i], max[i]);
    }
    s.setHiwaterRss(named.getHiwaterRss());
    s.setHiwaterVm(named.getHiwaterVm());
    return s;
  }

  private void persist() {
    try {
      journal.write(table.snapshot());
    } catch (IOException e) {
      counters.errors.increment();
      log.warn("cannot write {}: a restart would publish some live threads' figures again: {}",
          SampledJournal.FILE, e.toString());
    }
  }

  @Override
  public void close() {
    stopping = true;
    synchronized (this) {
      notifyAll();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    query.close();
  }
}
