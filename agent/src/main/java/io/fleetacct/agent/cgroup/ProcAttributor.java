package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.command.ProcessCommands;
import io.fleetacct.agent.netlink.NetlinkException;
import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.schema.CgroupSource;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attribution without BPF ("proc" mode): which cgroup each process is in, learned from /proc as
 * early as possible, since the kernel's exit message names no cgroup. docs/attribution.md has the
 * figures per spawn pattern.
 *
 * <p>At an exit, in order: the exiting task's own /proc file, if it is not yet reaped and the
 * host has cgroup2 (whose line names the cgroup even for an exiting task); else the process's
 * entry in the map, filled from the proc connector's events (its own file read at FORK and again
 * at EXEC, when runtimes have moved it) and from /proc scans (at start and every rescan interval,
 * for migrations, which raise no event); else its parent's cgroup, read anew unless read after the
 * child was born. A process's last exit retires its entry to a short list of recent exits that
 * late thread records (another CPU's socket) still find. The same events and scans keep each
 * process's command ({@link ProcessCommands}).
 */
public final class ProcAttributor implements Attributor {

  private static final Logger log = LoggerFactory.getLogger(ProcAttributor.class);
  private static final int RECENT_EXITS = 65_536;

  /** A process's attribution and when it was read (CLOCK_MONOTONIC, as proc connector events). */
  private record Entry(Attribution attribution, long readAtNanos) {}

  private final ProcCgroupFiles files;
  private final ProcessCommands commands;
  private final int maxEntries;
  private final Map<Integer, Entry> byTgid = new ConcurrentHashMap<>();
  private final Map<Integer, Attribution> recentExits = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, Attribution> eldest) {
      return size() > RECENT_EXITS;
    }
  };
  /** Processes whose last exit came before their FORK event was read (cleared at each rescan). */
  private final Map<Integer, Boolean> exitedBeforeFork = new ConcurrentHashMap<>();
  private final AttributionCounters counters = new AttributionCounters();
  private ProcConnector connector;
  private Thread thread;
  private volatile boolean stopping;

  /** A tracker fed by hand ({@link #onFork}, {@link #onExec}, {@link #rescan}): for tests. */
  ProcAttributor(ProcCgroupFiles files, ProcessCommands commands, int maxEntries) {
    this.files = files;
    this.commands = commands;
    this.maxEntries = maxEntries;
  }

  /**
   * Subscribes to process events, then scans /proc (so nothing born in between is missed), and
   * follows the events on a thread of its own.
   */
  public static ProcAttributor start(ProcCgroupFiles files, ProcessCommands commands, int maxEntries,
                                    Duration rescanInterval, String kernelRelease) throws NetlinkException {
    ProcAttributor t = new ProcAttributor(files, commands, maxEntries);
    t.connector = ProcConnector.open(4 * 1024 * 1024, ProcConnector.kernelFilters(kernelRelease));
    t.rescan();
    t.thread = new Thread(() -> t.run(rescanInterval), "cgroup-tracker");
    t.thread.setDaemon(true);
    t.thread.start();
    return t;
  }

  @Override
  public String mode() {
    return "proc";
  }

  @Override
  public AttributionCounters counters() {
    return counters;
  }

  /** Processes in the map. */
  public int size() {
    return byTgid.size();
  }

  private void run(Duration rescanInterval) {
    ProcConnector.Events events = new ProcConnector.Events() {
      @Override
      public void onFork(int parentTgid, int childPid, int childTgid, long timestampNanos) {
        ProcAttributor.this.onFork(parentTgid, childPid, childTgid, timestampNanos);
      }

      @Override
      public void onExec(int pid, int tgid) {
        ProcAttributor.this.onExec(tgid);
      }

      @Override
      public void onComm(int pid, int tgid, String comm) {
        commands.onComm(pid, tgid, comm);
      }
    };
    long nextRescan = System.nanoTime() + rescanInterval.toNanos();
    while (!stopping) {
      try {
        // No pause between batches: a child that moves itself and execs is read while it lives.
        if (connector.poll(events) < 0) {
          counters.procEventOverflows.increment();
          log.warn("process events lost (proc connector socket overflow): falling back to the parent at exit");
        }
        if (System.nanoTime() - nextRescan > 0) {
          rescan();
          nextRescan = System.nanoTime() + rescanInterval.toNanos();
        }
      } catch (NetlinkException | RuntimeException e) {
        log.error("cgroup tracker stopped: {}", e.toString(), e);
        return;
      }
    }
  }

  /** A FORK event: a new process reads its own file; if it is gone already, its parent's cgroup. */
  void onFork(int parentTgid, int childPid, int childTgid, long timestampNanos) {
    commands.onFork(childPid, childTgid);
    if (childPid != childTgid) {
      return; // a thread: its process's entry covers it
    }
    if (exitedBeforeFork.remove(childTgid) != null) {
      return; // its exit was handled already: an entry now would only mislead its pid's next owner
    }
    Cgroup own = files.process(childTgid);
    if (own != null) {
      put(childTgid, new Attribution(own, CgroupSource.fork));
      return;
    }
    Attribution parent = parentAt(parentTgid, timestampNanos);
    if (parent != null) {
      put(childTgid, new Attribution(parent.cgroup(), CgroupSource.parent));
    }
  }

  /** An EXEC event: the moment container runtimes and systemd have moved the process. */
  void onExec(int tgid) {
    commands.onExec(tgid);
    Cgroup own = files.process(tgid);
    if (own != null) {
      put(tgid, new Attribution(own, CgroupSource.exec));
    }
  }

  /**
   * The cgroup of a parent as of {@code bornAtNanos}: its entry if read since, else its file
   * now (a runner that joined a cgroup without exec is seen at its next child's birth).
   */
  private Attribution parentAt(int parentTgid, long bornAtNanos) {
    Entry known = byTgid.get(parentTgid);
    if (known != null && known.readAtNanos() - bornAtNanos >= 0) {
      return known.attribution();
    }
    Cgroup fresh = files.process(parentTgid);
    if (fresh == null) {
      return known == null ? null : known.attribution();
    }
    Attribution a = new Attribution(fresh, CgroupSource.fork);
    put(parentTgid, a);
    return a;
  }

  /** Reads every process's cgroup anew and forgets processes that are gone. */
  void rescan() {
    Set<Integer> seen = new HashSet<>();
    Path proc = files.procRoot();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc)) {
      for (Path d : dirs) {
        String name = d.getFileName().toString();
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
          int pid = Integer.parseInt(name);
          seen.add(pid);
          commands.onScan(pid);
          Cgroup c = files.process(pid);
          if (c != null) {
            put(pid, new Attribution(c, CgroupSource.scan));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("cannot scan {}: {}", proc, e.toString());
      return;
    }
    byTgid.keySet().removeIf(pid -> !seen.contains(pid) && !Files.exists(proc.resolve(Integer.toString(pid))));
    commands.retain(seen);
    exitedBeforeFork.clear();
  }

  private void put(int tgid, Attribution a) {
    if (byTgid.size() >= maxEntries && !byTgid.containsKey(tgid)) {
      counters.mapFull.increment();
      return;
    }
    byTgid.put(tgid, new Entry(a, System.nanoTime()));
  }

  @Override
  public ExitAttribution attribute(ExitNotification exit) {
    return counters.count(new ExitAttribution(cgroup(exit), commands.atExit(exit)));
  }

  private Attribution cgroup(ExitNotification exit) {
    long tgid = exit.tgid() != 0 ? exit.tgid() : exit.pid();
    boolean endsProcess = exit.endsProcess();
    Integer key = (int) tgid;
    Entry mapped = endsProcess ? byTgid.remove(key) : byTgid.get(key);
    Attribution a = atExit(tgid, exit.pid());
    if (a == null && mapped != null) {
      a = mapped.attribution();
    }
    if (a == null && !endsProcess) {
      // A thread record that arrives after its process's last one (another CPU's socket). Not for
      // a last exit: a second last exit of the same pid is a new process.
      synchronized (recentExits) {
        a = recentExits.get(key);
      }
    }
    if (mapped == null && endsProcess) {
      exitedBeforeFork.put(key, Boolean.TRUE);
    }
    if (a == null) {
      // Died before its FORK event was read: it was born in its parent's cgroup.
      long bornAt = System.nanoTime() - exit.acEtime() * 1000L;
      Attribution parent = parentAt((int) exit.acPpid(), bornAt);
      a = parent == null ? Attribution.NONE : new Attribution(parent.cgroup(), CgroupSource.parent);
    }
    if (endsProcess && a != Attribution.NONE) {
      synchronized (recentExits) {
        recentExits.put(key, a);
      }
    }
    return a;
  }

  /** The exiting task's own file, where the kernel still names its cgroup (cgroup2), or null. */
  private Attribution atExit(long tgid, long tid) {
    if (!files.exitingTaskIsReliable()) {
      return null;
    }
    Cgroup c = files.thread(tgid, tid);
    if (c == null && tid != tgid) {
      c = files.process(tgid); // a thread is released at once; its process (same cgroup) lives on
    }
    return c == null ? null : new Attribution(c, CgroupSource.proc_at_exit);
  }

  @Override
  public void close() {
    stopping = true;
    if (thread != null) {
      try {
        thread.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (connector != null) {
      connector.close();
    }
  }
}
