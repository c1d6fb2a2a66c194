package io.fleetacct.common.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * A Kafka client's properties as the commands take them: defaults, then a properties file (SASL,
 * TLS, ...), then each {@code -X KEY=VALUE}, later ones winning.
 */
public final class ClientProperties {

  private ClientProperties() {}

  /**
   * Puts the file's properties (if {@code file} is not null), then every {@code KEY=VALUE} of
   * {@code overrides} (trimmed; a value may contain '='), into {@code into}.
   *
   * @throws IllegalArgumentException for an override without a key and '='
   */
  public static Properties apply(Properties into, Path file, List<String> overrides) throws IOException {
    if (file != null) {
      Properties fromFile = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        fromFile.load(r);
      }
      into.putAll(fromFile);
    }
    for (String kv : overrides) {
      int eq = kv.indexOf('=');
      if (eq <= 0 || kv.substring(0, eq).isBlank()) {
        throw new IllegalArgumentException("-X wants KEY=VALUE, not '" + kv + "'");
      }
      into.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return into;
  }
}
