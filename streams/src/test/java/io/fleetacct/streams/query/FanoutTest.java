package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fanout's rules: every partition read once, from its first instance that answers, one request per instance. */
class FanoutTest {

  private static final HostInfo A = new HostInfo("a", 1);
  private static final HostInfo B = new HostInfo("b", 2);
  private static final HostInfo C = new HostInfo("c", 3);

  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Fanout fanout = new Fanout(executor);
  /** Every request made: the instance asked and the partitions it was asked for. */
  private final List<Map.Entry<HostInfo, Scope>> asked = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static Placement.Partition part(String store, int p, HostInfo... candidates) {
    return new Placement.Partition(store, p, List.of(candidates));
  }

  /** A reader that answers with the scope it was given, except on the instances that are down. */
  private Fanout.Reader<Scope> answeringExcept(Set<HostInfo> down) {
    return (host, scope) -> {
      asked.add(Map.entry(host, scope));
      if (down.contains(host)) {
        throw new Unavailable(host + " is down");
      }
      return scope;
    };
  }

  /** store -> partitions, over all the answers: each partition must appear once. */
  private static Map<String, List<Integer>> covered(List<Scope> answers) {
    Map<String, List<Integer>> out = new TreeMap<>();
    for (Scope s : answers) {
      s.partitions().forEach((store, ps) -> out.computeIfAbsent(store, k -> new ArrayList<>()).addAll(ps));
    }
    out.values().forEach(Collections::sort);
    return out;
  }

  @Test
  void eachInstanceIsAskedOnceForAllThePartitionsItOwns() throws Exception {
    List<Placement.Partition> parts = List.of(part("s", 0, A, B), part("s", 1, B, A), part("s", 2, A, B),
        part("t", 0, B));

    List<Scope> answers = fanout.read(parts, answeringExcept(Set.of()));

    assertThat(covered(answers)).isEqualTo(Map.of("s", List.of(0, 1, 2), "t", List.of(0)));
    assertThat(asked).hasSize(2);
    assertThat(asked).anySatisfy(e -> {
      assertThat(e.getKey()).isEqualTo(A);
      assertThat(e.getValue().partitions()).isEqualTo(Map.of("s", Set.of(0, 2)));
    });
    assertThat(asked).anySatisfy(e -> {
      assertThat(e.getKey()).isEqualTo(B);
      assertThat(e.getValue().partitions()).isEqualTo(Map.of("s", Set.of(1), "t", Set.of(0)));
    });
  }

  @Test
  void thePartitionsOfAnInstanceThatDoesNotAnswerGoToTheirNextCandidateAndAreReadOnce() throws Exception {
    List<Placement.Partition> parts = List.of(part("s", 0, A, B), part("s", 1, B, C), part("s", 2, A, C));

    List<Scope> answers = fanout.read(parts, answeringExcept(Set.of(A)));

    assertThat(covered(answers)).isEqualTo(Map.of("s", List.of(0, 1, 2)));
    // A once (failed), then B for 0 and 1 (1 in the first round), C for 2.
    assertThat(asked.stream().filter(e -> e.getKey().equals(A)).count()).isEqualTo(1);
    assertThat(asked.stream().filter(e -> e.getKey().equals(C)).map(e -> e.getValue().of("s")).toList())
        .containsExactly(Set.of(2));
  }

  @Test
  void aPartitionWithNoInstanceLeftIsUnavailableNamingIt() {
    List<Placement.Partition> parts = List.of(part("s", 0, A), part("s", 1, A, B));

    assertThatThrownBy(() -> fanout.read(parts, answeringExcept(Set.of(A, B))))
        .isInstanceOf(Unavailable.class)
        .hasMessageContaining("partition")
        .hasMessageContaining(" of s")
        .hasMessageContaining("is down");
  }

  @Test
  void aFailureOtherThanUnavailableIsNotRetriedElsewhere() {
    List<Placement.Partition> parts = List.of(part("s", 0, A, B));
    Fanout.Reader<Scope> broken = (host, scope) -> {
      asked.add(Map.entry(host, scope));
      throw new IllegalStateException("a bug, not an absent instance");
    };

    assertThatThrownBy(() -> fanout.read(parts, broken)).isInstanceOf(IllegalStateException.class);
    assertThat(asked).hasSize(1);
  }
}
