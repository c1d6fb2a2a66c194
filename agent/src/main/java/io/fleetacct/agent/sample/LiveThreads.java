package io.fleetacct.agent.sample;

import io.fleetacct.agent.host.ProcFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The threads of a proc tree ({@code /proc}, or a fake one in tests): every {@code TGID/task/TID}
 * directory, kernel threads included, and whether a thread still runs.
 */
final class LiveThreads {

  /** include/linux/sched.h: set by exit_signals() in do_exit, before taskstats_exit(). */
  static final long PF_EXITING = 0x4;

  /** One thread: its process and its own id. */
  record Id(long tgid, long tid) {}

  private final Path procRoot;

  LiveThreads(Path procRoot) {
    this.procRoot = procRoot;
  }

  Path procRoot() {
    return procRoot;
  }

  /** Every thread listed now; one that goes while it is listed may be missing or not. */
  List<Id> list() throws IOException {
    List<Id> out = new ArrayList<>();
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(procRoot)) {
      for (Path process : processes) {
        long tgid = number(process.getFileName().toString());
        if (tgid <= 0) {
          continue;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
          for (Path task : tasks) {
            long tid = number(task.getFileName().toString());
            if (tid > 0) {
              out.add(new Id(tgid, tid));
            }
          }
        } catch (IOException gone) {
          // the process exited while we listed
        }
      }
    }
    return out;
  }

  /**
   * Whether the thread has not begun to exit: false once the kernel has set PF_EXITING in its
   * flags (which comes before its exit record), for a zombie or dead task, and for one that is gone.
   * Read after a query, true means the query's figures came before the thread's exit record.
   */
  boolean running(Id t) {
    String stat = ProcFile.read(procRoot.resolve(Long.toString(t.tgid())).resolve("task")
        .resolve(Long.toString(t.tid())).resolve("stat").toString());
    return stat != null && running(stat);
  }

  /** From a {@code stat} line: state (field 3) not Z, X or x, and flags (field 9) without PF_EXITING. */
  static boolean running(String stat) {
    int close = stat.lastIndexOf(')'); // the command may hold spaces and parentheses
    if (close < 0) {
      return false;
    }
    String[] f = stat.substring(close + 1).trim().split(" ", 8);
    if (f.length < 7) {
      return false;
    }
    char state = f[0].charAt(0);
    long flags;
    try {
      flags = Long.parseLong(f[6]);
    } catch (NumberFormatException e) {
      return false;
    }
    return state != 'Z' && state != 'X' && state != 'x' && (flags & PF_EXITING) == 0;
  }

  private static long number(String name) {
    long n = 0;
    if (name.isEmpty() || name.length() > 18) {
      return -1;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
