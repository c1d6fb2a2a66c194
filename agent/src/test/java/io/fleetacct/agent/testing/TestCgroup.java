package io.fleetacct.agent.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.agent.cgroup.CgroupMounts;
import io.fleetacct.agent.host.HostRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** A cgroup2 group of the test's own, removed afterwards (once its processes are gone). */
public final class TestCgroup implements AutoCloseable {

  private final Path dir;
  private final String path;

  private TestCgroup(Path dir, String path) {
    this.dir = dir;
    this.path = path;
  }

  public static TestCgroup create() {
    CgroupMounts mounts;
    try {
      mounts = CgroupMounts.of(HostRoot.real());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assumeTrue(mounts.v2().isPresent(), "needs a cgroup2 mount to make a test cgroup");
    String name = "fleetacct-test-" + UUID.randomUUID().toString().substring(0, 8);
    Path dir = mounts.v2().get().resolve(name);
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      assumeTrue(false, "cannot create a cgroup at " + dir + ": " + e);
    }
    return new TestCgroup(dir, "/" + name);
  }

  /** The path as /proc/PID/cgroup shows it (relative to the cgroup2 root). */
  public String path() {
    return path;
  }

  /** The cgroup's directory under the cgroup2 mount. */
  public Path dir() {
    return dir;
  }

  /** Write a pid here to move that process in. */
  public Path procsFile() {
    return dir.resolve("cgroup.procs");
  }

  @Override
  public void close() {
    // rmdir fails with EBUSY while a (zombie) member remains; they are reaped within moments.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new UncheckedIOException("cannot remove test cgroup " + dir, e);
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
