package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.host.ProcFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads tasks' cgroups from a proc tree ({@code /proc}, or a fake one in tests): the
 * {@code cgroup} file of a process or of one of its threads. On the cgroup2 line the kernel prints
 * the path even for an exiting task (with " (deleted)" once the cgroup is removed); on v1 lines an
 * exiting task shows "/", so {@link #exitingTaskIsReliable()} says whether a read at exit is worth it.
 */
public final class ProcCgroupFiles {

  private static final String DELETED = " (deleted)";
  private static final int MAX_PATHS = 65_536;

  private final Path procRoot;
  private final ProcCgroup format;
  private final Map<String, Cgroup> byPath = new ConcurrentHashMap<>();

  public ProcCgroupFiles(Path procRoot, ProcCgroup format) {
    this.procRoot = procRoot;
    this.format = format;
  }

  /** The proc root these files are read from. */
  public Path procRoot() {
    return procRoot;
  }

  /** Whether the file of a task that is exiting still names its cgroup (the cgroup2 line does). */
  public boolean exitingTaskIsReliable() {
    return format.usesV2();
  }

  /** The cgroup of live (or not yet reaped) process {@code tgid}, or null if it is gone. */
  public Cgroup process(long tgid) {
    return read(procRoot.resolve(Long.toString(tgid)).resolve("cgroup"));
  }

  /** The cgroup of thread {@code tid} of process {@code tgid}, or null if it is gone. */
  public Cgroup thread(long tgid, long tid) {
    return read(procRoot.resolve(Long.toString(tgid)).resolve("task").resolve(Long.toString(tid)).resolve("cgroup"));
  }

  private Cgroup read(Path file) {
    String text = ProcFile.read(file.toString());
    if (text == null) {
      return null; // gone (or going) between the event and the read
    }
    String path = format.path(text);
    if (path == null) {
      return null;
    }
    if (path.endsWith(DELETED)) {
      path = path.substring(0, path.length() - DELETED.length());
    }
    return intern(path);
  }

  /** One {@link Cgroup} per path, so that container ids are parsed once per cgroup. */
  Cgroup intern(String path) {
    Cgroup c = byPath.get(path);
    if (c == null) {
      if (byPath.size() >= MAX_PATHS) {
        byPath.clear();
      }
      c = byPath.computeIfAbsent(path, Cgroup::of);
    }
    return c;
  }
}
