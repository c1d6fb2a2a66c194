package io.fleetacct.streams.query;

import io.fleetacct.streams.topology.Rollups;
import io.fleetacct.streams.topology.TableKey;
import io.fleetacct.streams.topology.Tables;
import java.util.Optional;

/**
 * What a ranking ranks: all hosts, cgroups or commands, or the hosts of one cgroup and the
 * cgroups of one host (the drill-downs, both from the host+cgroup table), or the threads of one
 * command (by thread name, from the program+thread table). Says which stores hold
 * the dimension and how a stored key maps to a ranked key.
 */
record Dimension(Kind kind, String fixed) {

  enum Kind { HOSTS, CGROUPS, COMMANDS, HOSTS_OF_CGROUP, CGROUPS_OF_HOST, THREADS_OF_COMMAND }

  static Dimension of(Kind kind) {
    return new Dimension(kind, "");
  }

  static Dimension hostsOf(String cgroup) {
    return new Dimension(Kind.HOSTS_OF_CGROUP, cgroup);
  }

  static Dimension cgroupsOf(String host) {
    return new Dimension(Kind.CGROUPS_OF_HOST, host);
  }

  static Dimension threadsOf(String command) {
    return new Dimension(Kind.THREADS_OF_COMMAND, command);
  }

  Tables table() {
    return index().table();
  }

  /** The rollup index whose keys start with the fixed part, if any. */
  Rollups.Index index() {
    return switch (kind) {
      case HOSTS -> Rollups.Index.BY_HOST;
      case CGROUPS -> Rollups.Index.BY_CGROUP;
      case COMMANDS -> Rollups.Index.BY_PROGRAM;
      case HOSTS_OF_CGROUP -> Rollups.Index.BY_CGROUP_HOST;
      case CGROUPS_OF_HOST -> Rollups.Index.BY_HOST_CGROUP;
      case THREADS_OF_COMMAND -> Rollups.Index.BY_PROGRAM_THREAD;
    };
  }

  /**
   * The all-time totals of the one key a drill-down starts from (the cgroup, host or command), if
   * it has one: a drill-down of a key never counted is as unknown as that key's totals.
   */
  Optional<Query.Totals> fixedKey() {
    return switch (kind) {
      case HOSTS, CGROUPS, COMMANDS -> Optional.empty();
      case HOSTS_OF_CGROUP -> Optional.of(new Query.Totals(Tables.BY_CGROUP, fixed, fixed));
      case CGROUPS_OF_HOST -> Optional.of(new Query.Totals(Tables.BY_HOST, fixed, fixed));
      case THREADS_OF_COMMAND -> Optional.of(new Query.Totals(Tables.BY_PROGRAM, fixed, fixed));
    };
  }

  /** The prefix of the index keys (of rollups, or of the totals store for a drill-down keyed first by its fixed part). */
  String prefix() {
    return fixed.isEmpty() ? "" : TableKey.prefix(fixed);
  }

  /**
   * The ranked key of an all-time totals key, or null when that key is not in this dimension (the
   * totals store is keyed host first, so the hosts of a cgroup are found by reading all of it).
   */
  String rankedTotalsKey(String tableKey) {
    return switch (kind) {
      case HOSTS, CGROUPS, COMMANDS -> tableKey;
      case CGROUPS_OF_HOST, THREADS_OF_COMMAND ->
          tableKey.startsWith(prefix()) ? tableKey.substring(prefix().length()) : null;
      case HOSTS_OF_CGROUP -> {
        TableKey parts = TableKey.parse(tableKey);
        yield fixed.equals(parts.second()) ? parts.first() : null;
      }
    };
  }

  /** The prefix to scan in the all-time totals store: the host's (or command's) entries, or everything. */
  String totalsPrefix() {
    return kind == Kind.CGROUPS_OF_HOST || kind == Kind.THREADS_OF_COMMAND ? prefix() : "";
  }
}
