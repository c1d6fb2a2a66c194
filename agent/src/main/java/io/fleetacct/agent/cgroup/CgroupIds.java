package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.netlink.Errno;
import io.fleetacct.agent.netlink.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cgroup v2 ids to cgroups. A cgroup2 id is the inode number of the cgroup's directory (the kernfs
 * node id), so the tree under the mount point names them all. Known ids are cached and kept after
 * their cgroup is removed (its exits still arrive); an unknown id is looked up directly with
 * open_by_handle_at (FILEID_KERNFS, as systemd does; needs CAP_DAC_READ_SEARCH) or, without that
 * privilege, by walking the tree again, at most once per {@link #WALK_INTERVAL_NANOS}.
 */
public final class CgroupIds {

  private static final Logger log = LoggerFactory.getLogger(CgroupIds.class);
  private static final int FILEID_KERNFS = 0xfe;
  private static final int O_RDONLY_DIRECTORY = 0x10000; // O_DIRECTORY | O_RDONLY
  static final long WALK_INTERVAL_NANOS = 100_000_000L;
  private static final int MAX_ENTRIES = 262_144;

  private final Path mount;
  private final Map<Long, Cgroup> byId = new ConcurrentHashMap<>();
  private final LongAdder walks = new LongAdder();
  private final LongAdder unresolved = new LongAdder();
  private final Object walkLock = new Object();
  private volatile long lastWalkNanos;
  private volatile boolean byHandle;
  private int mountFd = -1;

  /**
   * @param mount the cgroup2 mount point (or a fake tree in tests)
   * @param byHandle try open_by_handle_at first (a real cgroup2 mount and the privilege)
   */
  public CgroupIds(Path mount, boolean byHandle) {
    this.mount = mount;
    if (byHandle) {
      mountFd = LibC.get().open(mount.toString(), O_RDONLY_DIRECTORY);
      this.byHandle = mountFd >= 0;
    }
    walk();
  }

  /** Cgroup {@code id}, its path relative to the mount ("/" for the root), or null if unknown. */
  public Cgroup cgroup(long id) {
    Cgroup p = byId.get(id);
    if (p != null) {
      return p;
    }
    String path;
    if (byHandle && (path = openByHandle(id)) != null) {
      p = Cgroup.of(path);
      remember(id, p);
      return p;
    }
    synchronized (walkLock) {
      p = byId.get(id); // another thread's walk may have found it
      if (p == null && System.nanoTime() - lastWalkNanos > WALK_INTERVAL_NANOS) {
        walk();
        p = byId.get(id);
      }
    }
    if (p == null) {
      unresolved.increment();
    }
    return p;
  }

  /** Tree walks so far (one at start, then one per unknown id when open_by_handle_at is not allowed). */
  public long walks() {
    return walks.sum();
  }

  /** Lookups of an id that neither the tree nor the kernel knew: a cgroup removed before it was seen. */
  public long unresolved() {
    return unresolved.sum();
  }

  private void remember(long id, Cgroup path) {
    if (byId.size() >= MAX_ENTRIES) {
      byId.clear(); // removed cgroups accumulate: forget them, the next walk brings back the live ones
    }
    byId.put(id, path);
  }

  private void walk() {
    lastWalkNanos = System.nanoTime();
    walks.increment();
    try {
      Files.walkFileTree(mount, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          Object ino = Files.getAttribute(dir, "unix:ino");
          long id = ((Number) ino).longValue();
          if (!byId.containsKey(id)) {
            remember(id, Cgroup.of(relative(dir)));
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // removed while walking
        }
      });
    } catch (IOException | RuntimeException e) {
      log.warn("cannot walk the cgroup2 tree at {}: {}", mount, e.toString());
    }
  }

  private String relative(Path dir) {
    String r = mount.relativize(dir).toString();
    return "/" + r;
  }

  /** Opens the cgroup's directory by its kernfs id and reads back its path, or null. */
  private String openByHandle(long id) {
    ByteBuffer handle = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    handle.putInt(0, 8).putInt(4, FILEID_KERNFS).putLong(8, id);
    int fd = LibC.get().open_by_handle_at(mountFd, handle, O_RDONLY_DIRECTORY);
    if (fd < 0) {
      int errno = LibC.errno();
      if (errno == Errno.EPERM || errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP) {
        byHandle = false; // no CAP_DAC_READ_SEARCH, or no handles here: walk instead
        log.info("open_by_handle_at refused ({}): new cgroups are found by walking {}", Errno.name(errno), mount);
      }
      return null;
    }
    try {
      ByteBuffer buf = ByteBuffer.allocateDirect(4096);
      long n = LibC.get().readlink("/proc/self/fd/" + fd, buf, buf.capacity());
      if (n <= 0) {
        return null;
      }
      byte[] b = new byte[(int) n];
      buf.get(0, b);
      String target = new String(b, StandardCharsets.UTF_8);
      if (target.endsWith(" (deleted)")) {
        target = target.substring(0, target.length() - " (deleted)".length());
      }
      String root = mount.toString();
      if (!target.startsWith(root)) {
        return null;
      }
      String rest = target.substring(root.length());
      return rest.isEmpty() ? "/" : rest;
    } finally {
      LibC.get().close(fd);
    }
  }
}
