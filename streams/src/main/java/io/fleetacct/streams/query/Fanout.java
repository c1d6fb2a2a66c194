package io.fleetacct.streams.query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Reads every partition of some stores exactly once, each from the first instance that answers
 * for it: its active owner, else a standby. The instances are asked at the same time, each for all
 * of its partitions in one request; the partitions of an instance that does not answer go to their
 * next candidates. Partial answers are the caller's to merge; they never overlap.
 */
final class Fanout {

  /** Reads the partitions of {@code scope} on {@code host} (this instance or a peer). */
  @FunctionalInterface
  interface Reader<T> {
    T read(HostInfo host, Scope scope) throws Unavailable;
  }

  private final ExecutorService executor;

  Fanout(ExecutorService executor) {
    this.executor = executor;
  }

  <T> List<T> read(List<Placement.Partition> partitions, Reader<T> reader) throws Unavailable {
    int[] attempt = new int[partitions.size()];
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < partitions.size(); i++) {
      pending.add(i);
    }
    List<T> results = new ArrayList<>();
    while (!pending.isEmpty()) {
      Map<HostInfo, List<Integer>> byHost = new LinkedHashMap<>();
      for (int i : pending) {
        byHost.computeIfAbsent(partitions.get(i).candidates().get(attempt[i]), h -> new ArrayList<>()).add(i);
      }
      Map<HostInfo, CompletableFuture<T>> asked = new LinkedHashMap<>();
      byHost.forEach((host, parts) -> {
        Scope scope = scope(partitions, parts);
        asked.put(host, CompletableFuture.supplyAsync(() -> {
          try {
            return reader.read(host, scope);
          } catch (Unavailable e) {
            throw new CompletionException(e);
          }
        }, executor));
      });
      pending = new ArrayList<>();
      for (Map.Entry<HostInfo, CompletableFuture<T>> e : asked.entrySet()) {
        try {
          results.add(e.getValue().join());
        } catch (CompletionException failed) {
          Unavailable why = failed.getCause() instanceof Unavailable u ? u : null;
          if (why == null) {
            throw failed.getCause() instanceof RuntimeException r ? r : failed;
          }
          for (int i : byHost.get(e.getKey())) {
            Placement.Partition p = partitions.get(i);
            if (++attempt[i] == p.candidates().size()) {
              throw new Unavailable("partition " + p.partition() + " of " + p.store() + ": no instance answers ("
                  + why.getMessage() + ")");
            }
            pending.add(i);
          }
        }
      }
    }
    return results;
  }

  private static Scope scope(List<Placement.Partition> partitions, List<Integer> chosen) {
    Map<String, Set<Integer>> parts = new HashMap<>();
    for (int i : chosen) {
      parts.computeIfAbsent(partitions.get(i).store(), s -> new TreeSet<>()).add(partitions.get(i).partition());
    }
    return new Scope(parts);
  }
}
