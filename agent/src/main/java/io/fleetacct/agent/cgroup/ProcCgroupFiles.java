package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.netlink.LibC;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
  private static final int O_RDONLY_CLOEXEC = 0x80000;
  private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(16384));

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
    String text = readSmallFile(file.toString());
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

  /**
   * open, read, close into a per-thread buffer: about a third of what {@code Files.readAllBytes}
   * costs on a proc file (no channel, no growing buffer, no exception for a task that is gone),
   * and proc mode reads one or two per exit. Null if the file cannot be opened or read.
   */
  private static String readSmallFile(String file) {
    int fd = LibC.get().open(file, O_RDONLY_CLOEXEC);
    if (fd < 0) {
      return null;
    }
    try {
      ByteBuffer buf = BUFFER.get().clear();
      long n;
      while ((n = LibC.get().read(fd, buf.slice(), buf.remaining())) > 0) {
        buf.position(buf.position() + (int) n);
        if (!buf.hasRemaining()) {
          return null; // no cgroup file is this long; do not parse half of one
        }
      }
      if (n < 0) {
        return null;
      }
      byte[] bytes = new byte[buf.flip().remaining()];
      buf.get(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } finally {
      LibC.get().close(fd);
    }
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
