package io.fleetacct.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceJournalTest {

  private static final String BOOT = "0b6f3d1e-0000-4000-8000-000000000001";
  private static final List<String> TWO_CPUS = List.of("0", "1");

  @TempDir Path dir;

  @Test
  void aFreshDirectoryStartsANewInstanceAtZero() throws IOException {
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      assertThat(j.continued()).isFalse();
      assertThat(j.nextSeq()).isZero();
      assertThat(j.resumeKernelSeq(0)).isEqualTo(-1);
      assertThat(j.agentInstance()).hasSize(36);
    }
  }

  @Test
  void theNextRunOnTheSameBootContinuesTheInstanceAfterTheLastNumber() throws IOException {
    String instance;
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      instance = j.agentInstance();
      j.commit(0, 100, 0);
      j.commit(1, 7, 1);
      j.commit(0, 101, 2);
      j.commit(0, 105, 7); // five numbers skipped for four missed exits and this one
    }
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      assertThat(j.continued()).isTrue();
      assertThat(j.agentInstance()).isEqualTo(instance);
      assertThat(j.nextSeq()).isEqualTo(8);
      assertThat(j.resumeKernelSeq(0)).isEqualTo(105);
      assertThat(j.resumeKernelSeq(1)).isEqualTo(7);
    }
    SequenceJournal.Previous p = SequenceJournal.Previous.read(dir.resolve(SequenceJournal.FILE), BOOT);
    assertThat(p.first()).containsExactly(100, 7);
  }

  @Test
  void aNumberWhoseSlotWasWrittenButNotTheHighestIsStillGivenOut() throws IOException {
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      j.commit(0, 10, 41);
      j.commit(1, 20, 42);
    }
    // A kill between the slot's store and the highest number's: the highest still says 41.
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve(SequenceJournal.FILE).toFile(), "rw")) {
      f.seek(8 + 4 + 4 + 64 + 64);
      f.write(longLe(41));
    }
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      assertThat(j.nextSeq()).isEqualTo(43);
      assertThat(j.resumeKernelSeq(1)).isEqualTo(20);
    }
  }

  @Test
  void kernelSequencesAboveTwoToThe31AndAgentSeqsAboveTwoToThe32Survive() throws IOException {
    long seq = (1L << 33) + 5;
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      j.commit(1, 0xfffffff0L, seq);
    }
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      assertThat(j.nextSeq()).isEqualTo(seq + 1);
      assertThat(j.resumeKernelSeq(1)).isEqualTo(0xfffffff0L);
    }
  }

  @Test
  void anotherBootStartsANewInstance() throws IOException {
    String instance;
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      instance = j.agentInstance();
      j.commit(0, 1, 0);
    }
    try (SequenceJournal j = SequenceJournal.open(dir, "another-boot", TWO_CPUS)) {
      assertThat(j.continued()).isFalse();
      assertThat(j.agentInstance()).isNotEqualTo(instance);
      assertThat(j.nextSeq()).isZero();
    }
  }

  @Test
  void socketsOverOtherCpusContinueTheNumbersButResumeNoKernelSequence() throws IOException {
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      j.commit(0, 9, 3);
    }
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, List.of("0-1"))) {
      assertThat(j.continued()).isTrue();
      assertThat(j.nextSeq()).isEqualTo(4);
      assertThat(j.resumeKernelSeq(0)).isEqualTo(-1);
    }
  }

  @Test
  void aDamagedFileIsReplacedByANewInstance() throws IOException {
    Files.write(dir.resolve(SequenceJournal.FILE), new byte[300]);
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      assertThat(j.continued()).isFalse();
      assertThat(j.nextSeq()).isZero();
    }
    Files.write(dir.resolve(SequenceJournal.FILE), new byte[3]);
    try (SequenceJournal j = SequenceJournal.open(dir, BOOT, TWO_CPUS)) {
      assertThat(j.continued()).isFalse();
    }
  }

  private static byte[] longLe(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }
}
