package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.netlink.NetlinkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which cgroup each process is in, known before it exits.
 *
 * <p>taskstats sends an exit before the kernel's cgroup_exit, but by the time the message is read
 * the task is often reaped and /proc/PID gone (about 41% of exits were still readable under CPU
 * load, shared/taskstats/ABI.md §8). So the map is filled ahead of time: a scan of /proc at
 * start, the proc connector's FORK and EXEC events while running (the child's cgroup is read
 * when it is born, and again when it execs, the moment container runtimes have moved it), and a
 * periodic rescan for migrations, which raise no event. An exit looks its thread group up and, when
 * it ends the process, moves the entry to a small list of recent exits that late thread records
 * still find. Fallbacks, in order: the parent's cgroup (a child starts in its parent's; wrong only
 * for a child that moved, or was cloned into another cgroup, and died before its FORK event was
 * read), then /proc/TGID/cgroup. Each is counted.
 */
public final class CgroupTracker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CgroupTracker.class);
  private static final Path PROC = Path.of("/proc");
  private static final int RECENT_EXITS = 65_536;
  private static final long PARENT_FRESHNESS_NANOS = 1_000_000_000L;
  private static final long BATCH_INTERVAL_MILLIS = 5;

  /** Where an exit is attributed: the cgroup path and the ids parsed from it. */
  public record Attribution(String cgroup, String containerId, String podUid) {
    static Attribution of(String path) {
      ContainerIds.Ids ids = ContainerIds.parse(path);
      return new Attribution(path, ids.containerId(), ids.podUid());
    }
  }

  /** How attribution went; every miss and fallback is visible. */
  public static final class Counters {
    public final LongAdder fromMap = new LongAdder();
    public final LongAdder fromProc = new LongAdder();
    public final LongAdder fromParent = new LongAdder();
    public final LongAdder misses = new LongAdder();
    public final LongAdder procEventOverflows = new LongAdder();
    public final LongAdder mapFull = new LongAdder();
  }

  private final ProcCgroup procCgroup;
  private final int maxEntries;
  private final Duration rescanInterval;
  private final Map<Integer, Attribution> byTgid = new ConcurrentHashMap<>();
  /** When each parent's cgroup was last read at a FORK: a forking parent is read once a second. */
  private final Map<Integer, Long> parentReadAt = new ConcurrentHashMap<>();
  private final Map<String, Attribution> byPath = new ConcurrentHashMap<>();
  private final Map<Integer, Attribution> recentExits = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, Attribution> eldest) {
      return size() > RECENT_EXITS;
    }
  };
  private final Counters counters = new Counters();
  /** Processes whose last exit came before their FORK event was read (cleared at each rescan). */
  private final Map<Integer, Boolean> exitedBeforeFork = new ConcurrentHashMap<>();
  private ProcConnector connector;
  private Thread thread;
  private volatile boolean stopping;

  public CgroupTracker(ProcCgroup procCgroup, int maxEntries, Duration rescanInterval) {
    this.procCgroup = procCgroup;
    this.maxEntries = maxEntries;
    this.rescanInterval = rescanInterval;
  }

  /** Subscribes to process events, then scans /proc (so nothing born in between is missed). */
  public CgroupTracker start() throws NetlinkException {
    String release;
    try {
      release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      release = "";
    }
    connector = ProcConnector.open(4 * 1024 * 1024, ProcConnector.kernelFilters(release));
    rescan();
    thread = new Thread(this::run, "cgroup-tracker");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  public Counters counters() {
    return counters;
  }

  public int size() {
    return byTgid.size();
  }

  private void run() {
    ProcConnector.Events events = new ProcConnector.Events() {
      @Override
      public void onFork(int parentTgid, int childPid, int childTgid) {
        if (childPid == childTgid) { // a new process, not a thread
          // Born in its parent's cgroup. The parent is read, not the child: a short-lived child
          // may already be exiting, and an exiting task's file was seen to say "/" on 6.18.
          // A child cloned into another cgroup (CLONE_INTO_CGROUP) is corrected at its exec.
          if (exitedBeforeFork.remove(childTgid) != null) {
            return; // its exit was handled already: an entry now would only mislead its pid's next owner
          }
          Attribution parent = forkingParent(parentTgid);
          if (parent != null) {
            put(childTgid, parent);
          }
        }
      }

      @Override
      public void onExec(int pid, int tgid) {
        remember(tgid);
      }
    };
    long nextRescan = System.nanoTime() + rescanInterval.toNanos();
    while (!stopping) {
      try {
        int n = connector.poll(events);
        if (n < 0) {
          counters.procEventOverflows.increment();
          log.warn("process events lost (proc connector socket overflow): falling back to the parent at exit");
        } else if (n > 0) {
          // Drained a batch: wait a little for the next one rather than waking for every event.
          Thread.sleep(BATCH_INTERVAL_MILLIS);
        }
        if (System.nanoTime() - nextRescan > 0) {
          rescan();
          nextRescan = System.nanoTime() + rescanInterval.toNanos();
        }
      } catch (NetlinkException | RuntimeException e) {
        log.error("cgroup tracker stopped: {}", e.toString(), e);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * The cgroup of a parent that forks: read from /proc at most once a second per parent, so that
   * a fork storm costs one read a second instead of one per child (a parent that moves itself
   * without exec is seen within that second).
   */
  private Attribution forkingParent(int parentTgid) {
    long now = System.nanoTime();
    Long readAt = parentReadAt.get(parentTgid);
    Attribution known = byTgid.get(parentTgid);
    if (known != null && readAt != null && now - readAt < PARENT_FRESHNESS_NANOS) {
      return known;
    }
    Attribution fresh = read(parentTgid);
    if (fresh != null) {
      put(parentTgid, fresh);
      parentReadAt.put(parentTgid, now);
    }
    return fresh;
  }

  /** Reads every process's cgroup anew and forgets processes that are gone. */
  void rescan() {
    Set<Integer> seen = new HashSet<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
      for (Path d : dirs) {
        String name = d.getFileName().toString();
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
          int pid = Integer.parseInt(name);
          seen.add(pid);
          remember(pid);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("cannot scan /proc: {}", e.toString());
      return;
    }
    byTgid.keySet().removeIf(pid -> !seen.contains(pid) && !Files.exists(PROC.resolve(Integer.toString(pid))));
    exitedBeforeFork.clear();
    parentReadAt.keySet().removeIf(pid -> !byTgid.containsKey(pid));
  }

  /** Reads a live process's cgroup into the map; nothing if it is gone. */
  private void remember(int tgid) {
    Attribution a = read(tgid);
    if (a != null) {
      put(tgid, a);
    }
  }

  private void put(int tgid, Attribution a) {
    if (byTgid.size() >= maxEntries && !byTgid.containsKey(tgid)) {
      counters.mapFull.increment();
      return;
    }
    byTgid.put(tgid, a);
  }

  /** The attribution of a live process from /proc, or null if it is gone or has no such line. */
  private Attribution read(long tgid) {
    String text;
    try {
      text = new String(Files.readAllBytes(PROC.resolve(Long.toString(tgid)).resolve("cgroup")),
          StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null; // gone between the directory entry and the read
    }
    String path = procCgroup.path(text);
    return path == null ? null : byPath.computeIfAbsent(path, Attribution::of);
  }

  /**
   * Where an exit of thread group {@code tgid} (child of {@code ppid}) belongs, or null (counted
   * as a miss). {@code endsProcess}: the last thread of the group; its entry is retired.
   */
  public Attribution attribute(long tgid, long ppid, boolean endsProcess) {
    Integer key = (int) tgid;
    Attribution mapped = endsProcess ? byTgid.remove(key) : byTgid.get(key);
    if (endsProcess) {
      parentReadAt.remove(key);
    }
    if (mapped == null && !endsProcess) {
      // A thread record that arrives after its process's last one (another CPU's socket). Not for
      // a last exit: a second last exit of the same pid is a new process.
      synchronized (recentExits) {
        mapped = recentExits.get(key);
      }
    }
    if (mapped == null && endsProcess) {
      exitedBeforeFork.put(key, Boolean.TRUE);
    }
    Attribution a;
    // Not in the map: it died before its FORK event was read. It was born in its parent's
    // cgroup, read fresh (the map's entry may predate a migration); its own /proc file comes
    // last, as an exiting task's was seen to answer "/" now and then on 6.18.
    if ((a = mapped) != null) {
      counters.fromMap.increment();
    } else if ((a = forkingParent((int) ppid)) != null || (a = byTgid.get((int) ppid)) != null) {
      counters.fromParent.increment();
    } else if ((a = read(tgid)) != null) {
      counters.fromProc.increment();
    } else {
      counters.misses.increment();
      return null;
    }
    if (endsProcess) {
      synchronized (recentExits) {
        recentExits.put(key, a);
      }
    }
    return a;
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
