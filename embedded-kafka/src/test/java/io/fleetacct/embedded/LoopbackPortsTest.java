package io.fleetacct.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

  @Test
  void portsAskedForTogetherAreDistinct() {
    // Two free() calls in a row can return the same port (seen: a broker's listener and its
    // controller on one port); ports asked for together never do.
    for (int i = 0; i < 200; i++) {
      int[] ports = LoopbackPorts.free(6);
      assertThat(Arrays.stream(ports).distinct().count()).as(Arrays.toString(ports)).isEqualTo(6);
      assertThat(Arrays.stream(ports).allMatch(p -> p > 0 && p < 65_536)).as(Arrays.toString(ports)).isTrue();
    }
  }

  @Test
  void noPortIsHandedOutTwiceInOneJvm() {
    // The kernel offers a closed port again soon; two servers of one JVM were once given the same
    // (an agent's metrics port answered for another agent).
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      int port = LoopbackPorts.free();
      assertThat(seen.add(port)).as("port %d handed out again after %d others", port, seen.size()).isTrue();
    }
  }
}
