package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcCgroupTest {

  private static final String HYBRID = """
      9:name=systemd:/system.slice/cron.service
      4:memory:/process_api/5375701b
      2:cpuacct:/
      1:cpu,cpuacct:/batch/job-7
      0::/system.slice/cron.service
      """;

  @Test
  void prefersTheCgroup2Line() {
    assertThat(new ProcCgroup(true, null).path(HYBRID)).isEqualTo("/system.slice/cron.service");
  }

  @Test
  void withoutCgroup2TakesTheCpuLine() {
    assertThat(new ProcCgroup(false, "cpu").path(HYBRID)).isEqualTo("/batch/job-7");
  }

  @Test
  void systemdNamedHierarchy() {
    assertThat(new ProcCgroup(false, "name=systemd").path(HYBRID)).isEqualTo("/system.slice/cron.service");
  }

  @Test
  void pathsWithColonsSurvive() {
    assertThat(new ProcCgroup(true, null).path("0::/weird:name/x\n")).isEqualTo("/weird:name/x");
  }

  @Test
  void noMatchingLineIsNull() {
    assertThat(new ProcCgroup(true, null).path("1:cpu:/x\n")).isNull();
    assertThat(new ProcCgroup(true, null).path("")).isNull();
  }
}
