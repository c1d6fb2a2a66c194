package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.command.ProcComm;
import io.fleetacct.agent.command.ProcessCommands;
import io.fleetacct.schema.CgroupSource;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proc mode's rules on a fake /proc tree: no root, no kernel. */
class ProcAttributorTest {

  private static final ProcCgroup V2 = new ProcCgroup(true, null);
  private static final ProcCgroup V1 = new ProcCgroup(false, "cpu");

  @TempDir Path dir;
  FakeProc proc;

  @BeforeEach
  void tree() {
    proc = new FakeProc(dir);
  }

  private ProcAttributor tracker(ProcCgroup format, int maxEntries) {
    return new ProcAttributor(new ProcCgroupFiles(dir, format), new ProcessCommands(new ProcComm(dir), maxEntries),
        maxEntries);
  }

  private static String cgroupOf(Attribution a) {
    return a.cgroup() == null ? null : a.cgroup().path();
  }

  @Test
  void anExitingTaskThatIsNotYetReapedIsReadItselfOnCgroup2() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/init").process(10, "/a");
    t.onFork(1, 10, 10, System.nanoTime());
    proc.process(10, "/b"); // moved without exec: no event
    Attribution a = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    assertThat(cgroupOf(a)).isEqualTo("/b");
    assertThat(a.source()).isEqualTo(CgroupSource.proc_at_exit);
  }

  @Test
  void onCgroupV1TheExitingTasksFileIsNotTrustedAndTheEntryFromExecIsUsed() {
    ProcAttributor t = tracker(V1, 100);
    proc.process(1, "/init").process(10, "/a");
    t.onExec(10); // v1 "cpu" line of the fake file says "/"
    proc.gone(10);
    Attribution a = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    assertThat(a.source()).isEqualTo(CgroupSource.exec);
    assertThat(cgroupOf(a)).isEqualTo("/");
  }

  @Test
  void aReapedChildIsFoundByItsOwnFileReadAtFork() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/init").process(10, "/moved-before-fork-was-read");
    t.onFork(1, 10, 10, System.nanoTime());
    proc.gone(10);
    Attribution a = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    assertThat(a).isEqualTo(new Attribution(Cgroup.of("/moved-before-fork-was-read"), CgroupSource.fork));
  }

  @Test
  void aChildGoneBeforeItsForkEventTakesItsParentReadAfterItsBirth() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/old");
    t.rescan(); // the parent's entry: /old
    proc.process(1, "/joined"); // the runner joined a cgroup by writing its own pid: no event
    long born = System.nanoTime();
    t.onFork(1, 10, 10, born); // child already gone: no file
    Attribution a = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    assertThat(cgroupOf(a)).isEqualTo("/joined");
    assertThat(a.source()).isEqualTo(CgroupSource.parent);
  }

  @Test
  void anExitBeforeItsForkEventLeavesNoEntryForThePidsNextOwner() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/parent");
    Attribution first = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup(); // its FORK event not read yet
    assertThat(first.source()).isEqualTo(CgroupSource.parent);
    t.onFork(1, 10, 10, System.nanoTime()); // the late FORK event of the process that is gone
    assertThat(t.size()).as("entries").isEqualTo(1); // the parent only
  }

  @Test
  void aThreadRecordAfterItsProcessesLastExitFindsTheRecentExit() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/init").process(10, "/app");
    t.onExec(10);
    proc.gone(10);
    t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    Attribution late = t.attribute(FakeProc.exit(11, 10, 1, false)).cgroup(); // another CPU's socket, read later
    assertThat(cgroupOf(late)).isEqualTo("/app");
  }

  @Test
  void aReusedPidGetsItsNewOwnersCgroup() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/init").process(10, "/first");
    t.onExec(10);
    proc.gone(10);
    assertThat(cgroupOf(t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup())).isEqualTo("/first");
    proc.process(10, "/second");
    t.onExec(10);
    proc.gone(10);
    assertThat(cgroupOf(t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup())).isEqualTo("/second");
  }

  @Test
  void aFullMapIsCountedAndTheParentStandsIn() {
    ProcAttributor t = tracker(V2, 1);
    proc.process(1, "/init").process(10, "/full");
    t.rescan(); // fills the one entry with pid 1 or 10
    proc.process(20, "/x");
    t.onExec(20);
    assertThat(t.counters().mapFull.sum()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aRemovedCgroupIsNamedWithoutTheDeletedMark() {
    ProcAttributor t = tracker(V2, 100);
    proc.process(1, "/init").process(10, "/gone (deleted)");
    Attribution a = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    assertThat(cgroupOf(a)).isEqualTo("/gone");
  }

  @Test
  void nothingKnownIsCountedAsNone() {
    ProcAttributor t = tracker(V2, 100);
    Attribution a = t.attribute(FakeProc.exit(10, 10, 1, true)).cgroup();
    assertThat(a).isEqualTo(Attribution.NONE);
    assertThat(t.counters().get(CgroupSource.none)).isEqualTo(1);
  }
}
