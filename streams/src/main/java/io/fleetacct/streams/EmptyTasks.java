package io.fleetacct.streams;

import io.fleetacct.common.io.Directories;
import io.fleetacct.streams.topology.Tables;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a clean close, removes the state of tasks that never held a window: the ones whose
 * partitions had no exits yet (a single host keys one partition of by-host).
 *
 * <p>Why: in Kafka Streams 4.4 a store keeps its changelog offset itself (KIP-1035), and a segmented
 * window store without a segment has nowhere to keep it. At the next start, under exactly-once,
 * such a task's window store has no offset while its directory is not empty, so the whole task is
 * taken as corrupted and wiped, with a page of warnings and errors at every restart. Such a task
 * holds nothing (every sum that reaches a table also reaches its windows, emptied where the windows
 * do not take it: FleetacctTopology), so its directory is
 * removed instead, and the next start creates it afresh, silently.
 */
final class EmptyTasks {

  private static final Logger log = LoggerFactory.getLogger(EmptyTasks.class);

  private EmptyTasks() {}

  /**
   * Removes, under {@code appStateDir} (the state directory's application folder), every task
   * directory with a window store that has no segment. Returns the tasks removed.
   */
  static List<String> remove(Path appStateDir) {
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(appStateDir)) {
      return removed;
    }
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(appStateDir, "*_*")) {
      for (Path task : tasks) {
        if (hasEmptyWindowStore(task)) {
          Directories.deleteTree(task);
          removed.add(task.getFileName().toString());
        }
      }
    } catch (IOException e) {
      log.warn("cannot tidy the state of empty tasks in {}: {}", appStateDir, e.toString());
    }
    return removed;
  }

  private static boolean hasEmptyWindowStore(Path task) throws IOException {
    for (Tables t : Tables.values()) {
      Path windows = task.resolve(t.windowsStore());
      if (Files.isDirectory(windows)) {
        try (DirectoryStream<Path> segments = Files.newDirectoryStream(windows)) {
          return !segments.iterator().hasNext();
        }
      }
    }
    return false;
  }
}
