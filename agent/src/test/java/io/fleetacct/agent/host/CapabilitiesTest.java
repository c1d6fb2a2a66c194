package io.fleetacct.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {

  @Test
  void netAdminAloneIsNothingExtra() {
    assertThat(new Capabilities(1L << Capabilities.CAP_NET_ADMIN).beyondTheAgentsNeeds()).isEmpty();
    assertThat(new Capabilities(1L << Capabilities.CAP_NET_ADMIN | 1L << Capabilities.CAP_SYS_ADMIN)
        .beyondTheAgentsNeeds()).isEmpty();
  }

  @Test
  void everyOtherCapabilityIsNamedAsInTheKernelHeader() {
    long mask = 1L << 0 | 1L << 12 | 1L << 19 | 1L << 39 | 1L << 40 | 1L << 45;
    assertThat(new Capabilities(mask).beyondTheAgentsNeeds())
        .containsExactly("CAP_CHOWN", "CAP_SYS_PTRACE", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", "capability 45");
  }

  @Test
  void rootsFullSetIsReportedAsExtra() {
    // CapEff of root on kernels with 41 capabilities: 0x1ffffffffff.
    assertThat(new Capabilities(0x1ffffffffffL).beyondTheAgentsNeeds()).hasSize(39).doesNotContain("CAP_NET_ADMIN");
  }
}
