package io.fleetacct.agent.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.CommandSource;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KernelCommsTest {

  private static byte[] comm(String name) {
    return Arrays.copyOf(name.getBytes(StandardCharsets.UTF_8), 16);
  }

  @Test
  void aNameIsMadeOnceAndTheSameCommandComesBack() {
    KernelComms comms = new KernelComms(CommandSource.exit_hook);
    Command java = comms.of(comm("java"));
    assertThat(java).isEqualTo(new Command("java", CommandSource.exit_hook));
    assertThat(comms.of(comm("java"))).isSameAs(java);
    assertThat(comms.of(comm("postgres")).name()).isEqualTo("postgres");
    assertThat(comms.of(comm("fifteen-chars-x")).name()).isEqualTo("fifteen-chars-x");
  }

  @Test
  void namesThatShareASlotAreEachRightAndAnEmptyCommIsNone() {
    KernelComms comms = new KernelComms(CommandSource.exit_hook);
    for (int i = 0; i < 2_000; i++) { // more names than slots: every answer must still be its own
      assertThat(comms.of(comm("w" + i)).name()).isEqualTo("w" + i);
    }
    assertThat(comms.of(new byte[16])).isNull();
  }

  @Test
  void aBufferReusedForAnotherNameDoesNotChangeWhatWasCached() {
    KernelComms comms = new KernelComms(CommandSource.exit_hook);
    byte[] buffer = comm("nginx");
    Command nginx = comms.of(buffer);
    System.arraycopy(comm("redis"), 0, buffer, 0, 16);
    assertThat(comms.of(buffer).name()).isEqualTo("redis");
    assertThat(comms.of(comm("nginx"))).isEqualTo(nginx);
  }
}
