package io.fleetacct.streams.topology;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The five aggregations: how each keys an exit ({@link TableKey}), and the names of its stores and
 * output topics.
 *
 * <p>The program tables are named by-program (not by-command, whose rows were thread names before
 * 0.2.0), so that an upgrade starts them empty instead of mixing both kinds of key.
 */
public enum Tables {
  BY_HOST("by-host", Contribution::host),
  BY_CGROUP("by-cgroup", Contribution::cgroup),
  BY_HOST_CGROUP("by-host-cgroup", c -> TableKey.join(c.host(), c.cgroup())),
  /** By the process's command (program), fleet-wide. */
  BY_PROGRAM("by-program", Contribution::command),
  /** By program and thread name, fleet-wide: the threads of a program, one level down. */
  BY_PROGRAM_THREAD("by-program-thread", null);

  /** The cgroup key of exits the agent could not attribute (a real path starts with "/"). */
  public static final String UNATTRIBUTED = "(unattributed)";

  private final String id;
  private final Function<Contribution, String> key;

  Tables(String id, Function<Contribution, String> key) {
    this.id = id;
    this.key = key;
  }

  /** Hands each key this contribution adds to, with what it adds. */
  public void keys(Contribution c, BiConsumer<String, Aggregate> out) {
    if (key != null) {
      out.accept(key.apply(c), c.values());
      return;
    }
    for (Contribution.Thread t : c.threads()) {
      out.accept(TableKey.join(c.command(), t.name()), t.values());
    }
  }

  /** All-time store: "totals-by-host" ... */
  public String totalsStore() {
    return "totals-" + id;
  }

  /** 1-minute windows store: "windows-by-host" ... */
  public String windowsStore() {
    return "windows-" + id;
  }

  public String id() {
    return id;
  }
}
