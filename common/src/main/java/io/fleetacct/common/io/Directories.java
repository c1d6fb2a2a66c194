package io.fleetacct.common.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File-tree chores shared by the commands, benchmarks and tests. */
public final class Directories {

  private Directories() {}

  /** Deletes {@code dir} and everything under it, deepest first; what cannot be deleted is left. */
  public static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
