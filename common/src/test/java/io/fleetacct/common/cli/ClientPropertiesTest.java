package io.fleetacct.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientPropertiesTest {

  @TempDir Path dir;

  @Test
  void theFileOverridesDefaultsAndEachOverrideWinsLast() throws Exception {
    Path file = Files.writeString(dir.resolve("client.properties"), "linger.ms=5\nacks=1\n");
    Properties defaults = new Properties();
    defaults.put("linger.ms", "20");
    defaults.put("retries", "3");
    Properties p = ClientProperties.apply(defaults, file, List.of(" acks = all ", "sasl.jaas.config=a=b;"));
    assertThat(p).containsEntry("linger.ms", "5").containsEntry("retries", "3").containsEntry("acks", "all")
        .containsEntry("sasl.jaas.config", "a=b;");
  }

  @Test
  void anOverrideWithoutKeyAndEqualsSignIsRefusedByName() {
    for (String bad : List.of("linger.ms", "=5", " =5")) {
      assertThatThrownBy(() -> ClientProperties.apply(new Properties(), null, List.of(bad)))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("-X wants KEY=VALUE, not '" + bad + "'");
    }
  }

  @Test
  void aMissingFileIsAnIoError() {
    assertThatThrownBy(() -> ClientProperties.apply(new Properties(), dir.resolve("absent"), List.of()))
        .isInstanceOf(java.io.IOException.class);
  }
}
