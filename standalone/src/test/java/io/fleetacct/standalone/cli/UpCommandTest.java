package io.fleetacct.standalone.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.agent.host.HostRoot;
import io.fleetacct.agent.host.Preconditions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad options and unmet conditions: one line saying what to do, exit code 1 or 2, nothing started. */
class UpCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int up(String... args) {
    return UpCommand.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertThat(up("--no-such-option")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--no-such-option'");
  }

  @Test
  void outOfRangePortIsRefusedBeforeAnythingStarts(@TempDir Path state) {
    assertThat(up("--state-dir", state.toString(), "--http-port", "70000")).isEqualTo(1);
    assertThat(err.toString()).startsWith("fleetacct up: --http-port must be 0 to 65535, not 70000");
    assertThat(state).isEmptyDirectory();
  }

  @Test
  void portInUseIsNamedWithTheOptionToChangeIt(@TempDir Path state) throws Exception {
    assumeTrue(Preconditions.unmet(HostRoot.real()).isEmpty(), "needs root in the initial namespaces (else that is reported first)");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = taken.getLocalPort();
      assertThat(up("--state-dir", state.toString(), "--http-port", String.valueOf(port), "--agent-metrics-port",
          "-1")).isEqualTo(1);
      assertThat(err.toString().trim()).isEqualTo("fleetacct up: port " + port + " on 127.0.0.1 is in use: stop what"
          + " holds it, or choose another with --http-port");
    }
    assertThat(state).isEmptyDirectory();
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void withoutTheKernelsPermissionsItSaysWhatToDo(@TempDir Path state) throws Exception {
    assumeTrue(!Preconditions.unmet(HostRoot.real()).isEmpty(), "runs where a precondition is unmet (not as root)");
    assertThat(up("--state-dir", state.toString())).isEqualTo(1);
    assertThat(err.toString()).startsWith("fleetacct up: ").contains(Preconditions.unmet(HostRoot.real()).get(0));
  }
}
