package io.fleetacct.agent.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process per directory: an exclusive lock on {@code <dir>/lock}, held until closed (or the
 * process dies, when the kernel releases it).
 */
public final class DirectoryLock implements AutoCloseable {

  private final FileChannel file;

  private DirectoryLock(FileChannel file) {
    this.file = file;
  }

  /** The lock, or null when another process (or this JVM) holds it. */
  public static DirectoryLock tryAcquire(Path dir) throws IOException {
    FileChannel file = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = file.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM
    }
    if (lock == null) {
      file.close();
      return null;
    }
    return new DirectoryLock(file);
  }

  @Override
  public void close() throws IOException {
    file.close(); // releases the lock
  }
}
