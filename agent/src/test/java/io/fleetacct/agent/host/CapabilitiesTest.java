package io.fleetacct.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {

  @Test
  void whatTheAgentUsesIsNothingExtra() {
    assertThat(new Capabilities(1L << Capabilities.CAP_NET_ADMIN).beyondTheAgentsNeeds()).isEmpty();
    assertThat(new Capabilities(1L << Capabilities.CAP_NET_ADMIN | 1L << Capabilities.CAP_BPF
        | 1L << Capabilities.CAP_PERFMON | 1L << Capabilities.CAP_DAC_READ_SEARCH).beyondTheAgentsNeeds()).isEmpty();
    assertThat(new Capabilities(1L << Capabilities.CAP_NET_ADMIN | 1L << Capabilities.CAP_SYS_ADMIN)
        .beyondTheAgentsNeeds()).isEmpty();
  }

  @Test
  void everyOtherCapabilityIsNamedAsInTheKernelHeader() {
    long mask = 1L << 0 | 1L << 12 | 1L << 19 | 1L << 39 | 1L << 40 | 1L << 45;
    assertThat(new Capabilities(mask).beyondTheAgentsNeeds())
        .containsExactly("CAP_CHOWN", "CAP_SYS_PTRACE", "CAP_CHECKPOINT_RESTORE", "capability 45");
  }

  @Test
  void tracingProgramsNeedBpfAndPerfmonOrSysAdmin() {
    assertThat(new Capabilities(1L << Capabilities.CAP_BPF).canLoadTracingPrograms()).isFalse();
    assertThat(new Capabilities(1L << Capabilities.CAP_BPF | 1L << Capabilities.CAP_PERFMON).canLoadTracingPrograms())
        .isTrue();
    assertThat(new Capabilities(1L << Capabilities.CAP_SYS_ADMIN).canLoadTracingPrograms()).isTrue();
  }

  @Test
  void rootsFullSetIsReportedAsExtra() {
    // CapEff of root on kernels with 41 capabilities: 0x1ffffffffff.
    assertThat(new Capabilities(0x1ffffffffffL).beyondTheAgentsNeeds()).hasSize(36).doesNotContain("CAP_NET_ADMIN", "CAP_BPF");
  }
}
