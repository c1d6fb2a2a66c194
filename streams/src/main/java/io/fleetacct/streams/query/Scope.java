package io.fleetacct.streams.query;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The store partitions a forwarded request must be answered from, and only from this instance's
 * own copies (active or standby): {@code partitions=store:0,3;other-store:1}. The instance that
 * forwards plans which peer reads which partition ({@link Fanout}); a peer never forwards again.
 */
record Scope(Map<String, Set<Integer>> partitions) {

  static final String PARAMETER = "partitions";

  Scope {
    partitions = Map.copyOf(partitions);
  }

  Set<Integer> of(String store) {
    return partitions.getOrDefault(store, Set.of());
  }

  String encode() {
    return new TreeMap<>(partitions).entrySet().stream()
        .map(e -> e.getKey() + ":" + new TreeSet<>(e.getValue()).stream().map(String::valueOf)
            .collect(Collectors.joining(",")))
        .collect(Collectors.joining(";"));
  }

  static Scope parse(String v) throws BadRequest {
    Map<String, Set<Integer>> parts = new TreeMap<>();
    for (String entry : v.split(";")) {
      int colon = entry.lastIndexOf(':');
      if (colon <= 0) {
        throw BadRequest.badParameter(PARAMETER + "=" + v + " is not store:partition,...;...");
      }
      Set<Integer> ps = new TreeSet<>();
      for (String n : entry.substring(colon + 1).split(",")) {
        try {
          int p = Integer.parseInt(n);
          if (p < 0) {
            throw new NumberFormatException();
          }
          ps.add(p);
        } catch (NumberFormatException e) {
          throw BadRequest.badParameter(PARAMETER + ": '" + n + "' is not a partition number");
        }
      }
      parts.put(entry.substring(0, colon), ps);
    }
    return new Scope(parts);
  }

  static Scope of(String store, List<Integer> partitions) {
    return new Scope(Map.of(store, Set.copyOf(partitions)));
  }
}
