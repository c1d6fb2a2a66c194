package io.fleetacct.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.agent.testing.KernelAssumptions;
import io.fleetacct.testing.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: exit codes, one-line errors, and real output. */
class AgentCliTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream savedOut;
  private PrintStream savedErr;

  @BeforeEach
  void capture() {
    savedOut = System.out;
    savedErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(savedOut);
    System.setErr(savedErr);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertThat(AgentCli.run("listen", "--bogus")).isEqualTo(2);
    assertThat(err()).contains("Unknown option: '--bogus'");
    assertThat(AgentCli.run("listen", "--attribution", "bpf")).isEqualTo(2);
    assertThat(err()).contains("expected one of [auto, exact, proc]");
  }

  @Test
  void runTakesTheExitsTopicByItsNameOfEveryCommandAndByItsOldOne() {
    for (String name : List.of("--exits-topic", "--topic")) {
      RunCommand run = new RunCommand();
      new picocli.CommandLine(run).parseArgs("--bootstrap-servers", "127.0.0.1:1", name, "t1");
      assertThat(run.topics.exits).as(name).isEqualTo("t1");
      assertThat(run.topics.status).isEqualTo("fleetacct.agent-status");
    }
  }

  @Test
  void aNegativeSampleIntervalIsAOneLineError() {
    assertThat(AgentCli.run("run", "--bootstrap-servers", "127.0.0.1:1", "--sample-interval", "-1")).isEqualTo(1);
    assertThat(err()).contains("--sample-interval must not be negative").doesNotContain("Exception");
  }

  @Test
  void badValuesAreOneLineErrors() {
    assertThat(AgentCli.run("listen", "--sockets", "0")).isEqualTo(1);
    assertThat(err()).contains("--sockets must be per-cpu or a number of at least 1").doesNotContain("Exception");
    assertThat(AgentCli.run("listen", "--sockets", "every-cpu")).isEqualTo(1);
    assertThat(err()).contains("not every-cpu");
    assertThat(AgentCli.run("listen", "--cpus", "4-2")).isEqualTo(1);
    assertThat(err()).contains("runs backwards");
    assertThat(AgentCli.run("listen", "--cpus", "0-100000")).isEqualTo(1);
    assertThat(AgentCli.run("pid", "-5")).isEqualTo(1);
    assertThat(err()).contains("not a process id");
  }

  @Test
  void cgroupstatsOnAFileOrCgroup2SaysWhy() {
    assertThat(AgentCli.run("cgroupstats", "/proc/self/status")).isEqualTo(1);
    assertThat(err()).contains("is not a directory");
  }

  @Test
  void everyCommandHasHelp() {
    for (String cmd : List.of("listen", "check", "pid", "tgid", "cgroupstats")) {
      assertThat(AgentCli.run(cmd, "--help")).as(cmd).isZero();
    }
    assertThat(out()).contains("Usage: fleetacct-agent listen").contains("Usage: fleetacct-agent cgroupstats");
  }

  @Test
  @IntegrationTest
  void checkPassesWhereExitsCanBeReceived() {
    KernelAssumptions.assumeExitNotifications();
    assertThat(AgentCli.run("check")).isZero();
    assertThat(out()).contains("ok   CAP_NET_ADMIN held").contains("ready to receive exits").doesNotContain("FAIL");
    if (KernelAssumptions.isRoot()) { // root holds every capability: check names the ones the agent does not use
      assertThat(out()).contains("capabilities held that the agent does not use: CAP_CHOWN")
          .contains("ok   exact cgroup attribution: the BPF exit hook loads");
    }
  }

  @Test
  @IntegrationTest
  void checkWithoutBpfCapabilitiesWarnsThatExactAttributionFallsBack() throws Exception {
    KernelAssumptions.assumeExitNotifications();
    // A child without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN, as a pod that was given NET_ADMIN only.
    String drop = "-bpf,-perfmon,-sys_admin";
    Process check = new ProcessBuilder("setpriv", "--inh-caps=" + drop, "--bounding-set=" + drop,
        ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
        AgentCli.class.getName(), "check").redirectErrorStream(true).start();
    String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor()).as(said).isZero();
    assertThat(said).contains("ok   CAP_NET_ADMIN held")
        .contains("warn exact cgroup attribution not possible: BPF_MAP_CREATE")
        .contains("EPERM").contains("--attribution auto falls back to proc mode")
        .contains("ok   proc connector").contains("ready to receive exits");
  }

  @Test
  @IntegrationTest
  void pidOfAMissingProcessSaysNoSuchProcess() {
    KernelAssumptions.assumeExitNotifications();
    assertThat(AgentCli.run("pid", "4000000000")).isEqualTo(1);
    assertThat(err()).contains("no such process");
  }

  @Test
  @IntegrationTest
  void pidPrintsThisProcessAsJson() throws Exception {
    KernelAssumptions.assumeExitNotifications();
    assertThat(AgentCli.run("pid", String.valueOf(ProcessHandle.current().pid()), "--format", "json")).isZero();
    JsonNode stats = new ObjectMapper().readTree(out());
    assertThat(stats.get("ac_pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    assertThat(stats.get("ac_comm").asText()).isEqualTo("java");
  }

  @Test
  @IntegrationTest
  void listenPrintsTaskExitShapedJsonLines() throws Exception {
    KernelAssumptions.assumeExitNotifications();
    Future<Integer> listening = Executors.newSingleThreadExecutor()
        .submit(() -> AgentCli.run("listen", "--count", "3", "--duration", "30", "--attribution", "exact"));
    Thread.sleep(1_000); // registered by then
    for (int i = 0; i < 3; i++) {
      new ProcessBuilder("true").start().waitFor();
    }
    assertThat(listening.get()).isZero();
    String[] lines = out().trim().split("\n");
    assertThat(lines).hasSize(3);
    for (String line : lines) {
      JsonNode exit = new ObjectMapper().readTree(line);
      assertThat(exit.get("agent_seq").isIntegralNumber()).isTrue();
      assertThat(exit.get("task").get("ac_comm").isTextual()).isTrue();
      assertThat(exit.get("task").get("version").asInt()).isPositive();
      assertThat(exit.has("thread_group")).isTrue();
      assertThat(exit.get("cgroup").isTextual()).isTrue();
      assertThat(exit.get("cgroup_source").asText()).isEqualTo("exit_hook");
    }
    assertThat(err()).contains("listen: attribution exact").contains("3 printed");
  }
}
