package io.fleetacct.agent.cgroup;

import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.TestExits;
import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.TaskStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fake /proc tree of processes and their cgroup files, and exit notifications for them. */
final class FakeProc {

  final Path root;

  FakeProc(Path root) {
    this.root = root;
  }

  /** Process {@code pid} (and its main thread) now in {@code cgroup}, as a hybrid host's file shows it. */
  FakeProc process(int pid, String cgroup) {
    String file = "1:cpu:/\n0::" + cgroup + "\n";
    write(root.resolve(pid + "/cgroup"), file);
    write(root.resolve(pid + "/task/" + pid + "/cgroup"), file);
    return this;
  }

  /** Process {@code pid} reaped: its directory is gone. */
  FakeProc gone(int pid) {
    try {
      Directories.deleteTree(root.resolve(Integer.toString(pid)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The exit of thread {@code tid} of {@code tgid}, child of {@code ppid}; the last one if {@code endsProcess}. */
  static ExitNotification exit(int tid, int tgid, int ppid, boolean endsProcess) {
    TaskStats t = TaskStats.newBuilder().build();
    t.setVersion(17);
    t.setAcPid(tid);
    t.setAcTgid(tgid);
    t.setAcPpid(ppid);
    t.setAcFlag(AcFlag.AFORK | (endsProcess ? AcFlag.AGROUP : 0));
    t.setAcEtime(1_000);
    return TestExits.of(0, tid, t, tgid, null);
  }
}
