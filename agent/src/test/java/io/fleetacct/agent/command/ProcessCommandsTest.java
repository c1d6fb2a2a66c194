package io.fleetacct.agent.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.taskstats.ExitNotification;
import io.fleetacct.agent.taskstats.TestExits;
import io.fleetacct.common.io.Directories;
import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.CommandSource;
import io.fleetacct.schema.TaskStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proc mode's rules for an exit's command, on a fake /proc tree: no root, no kernel. */
class ProcessCommandsTest {

  @TempDir Path proc;
  ProcessCommands commands;

  @BeforeEach
  void tracker() {
    commands = new ProcessCommands(new ProcComm(proc), 100);
  }

  private void named(int tgid, String comm) throws IOException {
    Files.createDirectories(proc.resolve(Integer.toString(tgid)));
    Files.writeString(proc.resolve(tgid + "/comm"), comm + "\n");
  }

  private void gone(int tgid) throws IOException {
    Directories.deleteTree(proc.resolve(Integer.toString(tgid)));
  }

  /** The exit of thread {@code tid} (named {@code comm}) of {@code tgid}; the last one if {@code endsProcess}. */
  private static ExitNotification exit(int tid, int tgid, String comm, boolean endsProcess) {
    TaskStats t = TaskStats.newBuilder().build();
    t.setVersion(17);
    t.setAcPid(tid);
    t.setAcTgid(tgid);
    t.setAcComm(comm);
    t.setAcFlag(endsProcess ? AcFlag.AGROUP : 0);
    return TestExits.of(0, tid, t, tgid, null);
  }

  @Test
  void aLeadersOwnNameIsItsCommandWhateverTheMapSays() {
    commands.onComm(10, 10, "before-exec");
    assertThat(commands.atExit(exit(10, 10, "java", true))).isEqualTo(new Command("java", CommandSource.leader));
  }

  @Test
  void aThreadOfALiveProcessTakesTheLeadersNameFromItsFileNow() throws IOException {
    named(10, "postgres");
    commands.onExec(10);
    named(10, "renamed"); // its rename's event not read yet
    assertThat(commands.atExit(exit(11, 10, "bgworker", false)))
        .isEqualTo(new Command("renamed", CommandSource.proc_at_exit));
  }

  @Test
  void theLastThreadOfAProcessWhoseLeaderExitedFirstTakesTheNameFromTheEvents() throws IOException {
    named(10, "runner");
    commands.onFork(10, 10);
    commands.onComm(10, 10, "server");
    commands.onComm(11, 10, "worker-1"); // a thread's own name is not the program's
    gone(10); // reaped by the time its last exit arrives
    assertThat(commands.atExit(exit(11, 10, "worker-1", true))).isEqualTo(new Command("server", CommandSource.comm));
  }

  @Test
  void theLastExitIsNotReadFromAFileThatMayBeAnotherProcesssByNow() throws IOException {
    named(10, "python3");
    commands.onExec(10);
    named(10, "someone-else"); // the pid taken by a new process
    assertThat(commands.atExit(exit(12, 10, "worker", true))).isEqualTo(new Command("python3", CommandSource.exec));
  }

  @Test
  void aForkedChildRunsItsParentsProgramUntilItExecs() throws IOException {
    named(20, "bash");
    commands.onFork(20, 20);
    gone(20);
    assertThat(commands.atExit(exit(21, 20, "t", true))).isEqualTo(new Command("bash", CommandSource.fork));
    commands.onFork(22, 20); // a thread: not a new process, nothing to read
    assertThat(commands.size()).isEqualTo(1);
  }

  @Test
  void withNothingKnownTheThreadsOwnNameStandsInAsOwn() {
    assertThat(commands.atExit(exit(31, 30, "pool-1-thread-3", true)))
        .isEqualTo(new Command("pool-1-thread-3", CommandSource.own));
  }

  @Test
  void aScanLearnsProcessesAndForgetsTheGone() throws IOException {
    named(40, "sshd");
    named(41, "cron");
    commands.onScan(40);
    commands.onScan(41);
    commands.retain(Set.of(41));
    gone(40);
    gone(41);
    assertThat(commands.atExit(exit(401, 40, "t", true)).source()).isEqualTo(CommandSource.own);
    assertThat(commands.atExit(exit(411, 41, "t", true))).isEqualTo(new Command("cron", CommandSource.scan));
  }

  @Test
  void aFullMapKeepsWhatItHasAndTheRestFallBackToTheirOwnNames() throws IOException {
    ProcessCommands small = new ProcessCommands(new ProcComm(proc), 1);
    small.onComm(50, 50, "first");
    small.onComm(51, 51, "second");
    assertThat(small.size()).isEqualTo(1);
    assertThat(small.atExit(exit(512, 51, "t", true)).source()).isEqualTo(CommandSource.own);
    assertThat(small.atExit(exit(502, 50, "t", true)).name()).isEqualTo("first");
  }
}
