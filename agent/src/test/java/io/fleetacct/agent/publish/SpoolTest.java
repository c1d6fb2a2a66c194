package io.fleetacct.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

  @TempDir Path dir;

  private static byte[] rec(int i) {
    return ("record-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> drain(Spool s) throws IOException {
    List<String> out = new ArrayList<>();
    for (byte[] b; (b = s.next()) != null; ) {
      out.add(new String(b, StandardCharsets.UTF_8).split("-x")[0].replaceAll("-$", ""));
    }
    return out;
  }

  @Test
  void readsBackInOrderAcrossSegments() throws IOException {
    try (Spool s = Spool.open(dir, 1L << 30)) {
      byte[] big = new byte[900_000];
      for (int i = 0; i < 40; i++) { // about 36 MB: three segments
        big[0] = (byte) i;
        assertThat(s.append(big)).isTrue();
      }
      assertThat(s.records()).isEqualTo(40);
      for (int i = 0; i < 40; i++) {
        assertThat(s.next()[0]).isEqualTo((byte) i);
      }
      assertThat(s.next()).isNull();
      s.acknowledge(s.position(), 40);
      assertThat(s.records()).isZero();
      assertThat(s.bytes()).isZero();
    }
    assertThat(segments()).isEmpty();
  }

  @Test
  void restartResendsOnlyWhatWasNotAcknowledged() throws IOException {
    try (Spool s = Spool.open(dir, 1L << 30)) {
      for (int i = 0; i < 10; i++) {
        s.append(rec(i));
      }
      for (int i = 0; i < 4; i++) {
        s.next();
      }
      s.acknowledge(s.position(), 4);
      s.next(); // read, not acknowledged
    }
    try (Spool again = Spool.open(dir, 1L << 30)) {
      assertThat(again.records()).isEqualTo(6);
      List<String> rest = new ArrayList<>();
      for (byte[] b; (b = again.next()) != null; ) {
        rest.add(new String(b, StandardCharsets.UTF_8).substring(0, 8));
      }
      assertThat(rest).containsExactly("record-4", "record-5", "record-6", "record-7", "record-8", "record-9");
    }
  }

  @Test
  void fullSpoolRefusesAndWritesNothing() throws IOException {
    try (Spool s = Spool.open(dir, 100)) {
      assertThat(s.append(new byte[60])).isTrue();
      long bytes = s.bytes();
      assertThat(s.append(new byte[60])).isFalse();
      assertThat(s.bytes()).isEqualTo(bytes);
      assertThat(s.records()).isEqualTo(1);
    }
  }

  @Test
  void tornLastFrameIsSkippedAndCounted() throws IOException {
    try (Spool s = Spool.open(dir, 1L << 30)) {
      s.append(rec(1));
      s.append(rec(2));
    }
    Path seg = segments().get(0);
    // A crash in the middle of a write: half a frame at the end.
    Files.write(seg, new byte[] {50, 0, 0, 0, 1, 2}, StandardOpenOption.APPEND);
    try (Spool s = Spool.open(dir, 1L << 30)) {
      assertThat(s.records()).isEqualTo(2);
      assertThat(new String(s.next(), StandardCharsets.UTF_8)).startsWith("record-1");
      assertThat(new String(s.next(), StandardCharsets.UTF_8)).startsWith("record-2");
      assertThat(s.next()).isNull();
      assertThat(s.corruptFrames()).isEqualTo(1);
    }
  }

  @Test
  void prependedRecordsComeFirstAfterARestart() throws IOException {
    try (Spool s = Spool.open(dir, 1L << 30)) {
      s.append(rec(5));
      s.append(rec(6));
      s.prepend(List.of(rec(3), rec(4)));
    }
    try (Spool s = Spool.open(dir, 1L << 30)) {
      assertThat(s.records()).isEqualTo(4);
      List<String> all = new ArrayList<>();
      for (byte[] b; (b = s.next()) != null; ) {
        all.add(new String(b, StandardCharsets.UTF_8).substring(0, 8));
      }
      assertThat(all).containsExactly("record-3", "record-4", "record-5", "record-6");
    }
  }

  @Test
  void oneAgentPerSpoolDirectory() throws IOException {
    try (Spool s = Spool.open(dir, 1L << 30)) {
      assertThatThrownBy(() -> Spool.open(dir, 1L << 30)).hasMessageContaining("in use by another agent");
    }
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
    }
  }
}
