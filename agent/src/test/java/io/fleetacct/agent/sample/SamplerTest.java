package io.fleetacct.agent.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetacct.agent.cgroup.ProcCgroup;
import io.fleetacct.agent.cgroup.ProcCgroupFiles;
import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.schema.TaskDeltas;
import io.fleetacct.schema.TaskSample;
import io.fleetacct.schema.TaskStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampler's rules on a fake proc tree with scripted kernel answers: deltas since the last
 * sample per thread group, nothing for what did not change, what an exit is told, an exit that
 * races the sample, threads that begin to exit, reused ids, the window maxima, and restarts.
 */
class SamplerTest {

  private static final HostIdentity HOST = new HostIdentity("h", "boot-1", "6.18");
  /** Threads begun after the sampler (ac_btime64, seconds): their first sample is what they did since. */
  private static final long BTIME = java.time.Instant.now().getEpochSecond() + 60;

  @TempDir Path proc;
  @TempDir Path spool;

  private final Map<Long, TaskStats> kernel = new HashMap<>();
  private final List<TaskSample> published = new ArrayList<>();
  private final SampledThreads table = new SampledThreads();
  private final SamplerCounters counters = new SamplerCounters();
  private LongConsumer afterRead = tid -> {};
  private long seq;

  private final Sampler.Query query = new Sampler.Query() {
    @Override
    public TaskStats pid(long tid) {
      TaskStats s = kernel.get(tid);
      TaskStats copy = s == null ? null : TaskStats.newBuilder(s).build();
      afterRead.accept(tid);
      return copy;
    }

    @Override
    public void close() {}
  };

  private Sampler sampler(String instance) throws IOException {
    return sampler(instance, HOST, table, published);
  }

  /** A sampler of the fake tree whose samples, numbered in order, go to {@code out}. */
  private Sampler sampler(String instance, HostIdentity host, SampledThreads threads, List<TaskSample> out)
      throws IOException {
    return Sampler.create(Duration.ofSeconds(1), query, new ProcCgroupFiles(proc, new ProcCgroup(true, null)),
        threads, spool, (make, persist) -> {
          List<TaskSample> made = make.get();
          made.forEach(s -> s.setAgentSeq(seq++));
          persist.run();
          out.addAll(made);
        }, host, instance, counters, java.time.Clock.systemUTC());
  }

  /** A live thread in the fake tree, and the kernel's figures for it. */
  private void thread(long tgid, long tid, String comm, long cpuDelay, long utime, long cpuDelayMax) throws IOException {
    thread(tgid, tid, comm, "S", 0x400040, cpuDelay, utime, cpuDelayMax, BTIME);
  }

  private void thread(long tgid, long tid, String comm, String state, long flags, long cpuDelay, long utime,
                      long cpuDelayMax, long btime) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(tgid + "/task/" + tid));
    Files.writeString(dir.resolve("stat"), tid + " (" + comm + ") " + state + " 1 1 1 0 -1 " + flags
        + " 0 0 0 0 1 2 0 0 20 0 1 0 100 0 0");
    Files.writeString(proc.resolve(tgid + "/cgroup"), "0::/svc/" + comm + "\n");
    TaskStats s = TaskStats.newBuilder().build();
    s.setVersion(17);
    s.setAcComm(comm);
    s.setAcPid(tid);
    s.setAcTgid(tgid);
    s.setAcBtime64(btime);
    s.setCpuCount(cpuDelay / 100);
    s.setCpuDelayTotal(cpuDelay);
    s.setAcUtime(utime);
    s.setCpuDelayMax(cpuDelayMax);
    s.setHiwaterRss(4096);
    kernel.put(tid, s);
  }

  private void gone(long tgid, long tid) throws IOException {
    kernel.remove(tid);
    Path dir = proc.resolve(tgid + "/task/" + tid);
    Files.delete(dir.resolve("stat"));
    Files.delete(dir);
  }

  private TaskSample of(long tgid) {
    List<TaskSample> l = published.stream().filter(s -> s.getAcTgid() == tgid).toList();
    assertThat(l).as("samples of %d", tgid).hasSize(1);
    return l.get(0);
  }

  @Test
  void aSampleIsUnderTheLeadersNameAndSplitsItsDeltasByThreadName() throws IOException {
    thread(10, 10, "java", 100, 1, 0);
    thread(10, 11, "pool-1-thread-1", 1_000, 10, 0);
    thread(10, 12, "pool-1-thread-2", 2_000, 20, 0);
    thread(10, 13, "pool-1-thread-1", 4_000, 40, 0); // two threads may share a name
    sampler("i1").cycle();
    TaskSample java = of(10);
    assertThat(java.getAcComm()).isEqualTo("java");
    Map<String, Long> byName = new HashMap<>();
    java.getThreadNames().forEach(n -> byName.put(n.getAcComm() + "/" + n.getThreads(), n.getDeltas().getCpuDelayTotal()));
    assertThat(byName).isEqualTo(Map.of("java/1", 100L, "pool-1-thread-1/2", 5_000L, "pool-1-thread-2/1", 2_000L));
    assertThat(java.getThreadNames().stream().mapToLong(n -> n.getDeltas().getAcUtime()).sum())
        .as("the names' deltas add up to the sample's").isEqualTo(java.getDeltas().getAcUtime());
  }

  @Test
  void aProcessWhoseLeaderExitedBeforeItsThreadsIsUnderTheLeadersNameFromItsFile() throws IOException {
    thread(10, 10, "server", "Z", 0x400044, 100, 1, 0, BTIME); // a zombie leader: not read
    thread(10, 11, "worker", 1_000, 10, 0);
    Files.writeString(proc.resolve("10/comm"), "server\n");
    sampler("i1").cycle();
    assertThat(of(10).getAcComm()).isEqualTo("server");
    assertThat(of(10).getThreadNames()).extracting(n -> n.getAcComm()).containsExactly("worker");
  }

  @Test
  void aCyclePublishesEachGroupsChangeSinceItsLastSampleAndNothingForTheUnchanged() throws IOException {
    thread(10, 10, "db", 1_000, 50, 300);
    thread(10, 11, "db", 2_000, 70, 500);
    thread(20, 20, "idle", 0, 0, 0);
    Sampler s = sampler("i1");
    s.cycle();
    TaskSample db = of(10);
    assertThat(db.getThreads()).isEqualTo(2);
    assertThat(db.getDeltas().getCpuDelayTotal()).as("first sample: their life so far").isEqualTo(3_000);
    assertThat(db.getDeltas().getAcUtime()).isEqualTo(120);
    assertThat(db.getCpuDelayMax()).isEqualTo(500);
    assertThat(db.getAcComm()).isEqualTo("db");
    assertThat(db.getCgroup()).isEqualTo("/svc/db");
    assertThat(db.getHiwaterRss()).isEqualTo(4096);
    assertThat(published).as("an idle process has nothing to say").hasSize(1);

    published.clear();
    thread(10, 11, "db", 2_600, 75, 500); // thread 10 unchanged; 11 waited 600 ns more, its max did not rise
    s.cycle();
    db = of(10);
    assertThat(db.getThreads()).isEqualTo(1);
    assertThat(db.getDeltas().getCpuDelayTotal()).isEqualTo(600);
    assertThat(db.getDeltas().getCpuCount()).isEqualTo(6);
    assertThat(db.getDeltas().getAcUtime()).isEqualTo(5);
    assertThat(db.getCpuDelayMax()).as("no longer delay in this interval").isZero();

    published.clear();
    s.cycle();
    assertThat(published).as("nothing changed").isEmpty();
    assertThat(counters.cycles.sum()).isEqualTo(3);
  }

  @Test
  void anExitIsToldWhatSamplesPublishedSoThatTheyAddUpToItsLifetime() throws IOException {
    thread(30, 30, "job", 1_000, 10, 0);
    thread(30, 31, "job", 400, 4, 0);
    Sampler s = sampler("i1");
    s.cycle();
    thread(30, 31, "job", 900, 9, 0);
    s.cycle();
    // Thread 31 exits with lifetime totals 1,500: samples published 400 + 500.
    TaskDeltas sampled = table.take(31, BTIME);
    assertThat(sampled.getCpuDelayTotal()).isEqualTo(900);
    assertThat(sampled.getAcUtime()).isEqualTo(9);
    long exitAdds = 1_500 - sampled.getCpuDelayTotal();
    long samples = published.stream().filter(p -> p.getAcTgid() == 30)
        .mapToLong(p -> p.getDeltas().getCpuDelayTotal()).sum();
    assertThat(samples - 1_000 + exitAdds).as("thread 31: samples + exit = its lifetime").isEqualTo(1_500);
    assertThat(table.take(31, BTIME)).as("told once").isNull();
    assertThat(table.take(99, BTIME)).as("never sampled").isNull();
  }

  @Test
  void anExitHandledBetweenTheReadAndThePublishKeepsTheThreadOutOfTheSample() throws IOException {
    thread(40, 40, "race", 1_000, 10, 0);
    thread(40, 41, "race", 2_000, 20, 0);
    Sampler s = sampler("i1");
    s.cycle();
    published.clear();
    thread(40, 40, "race", 1_100, 11, 0);
    thread(40, 41, "race", 2_500, 25, 0);
    TaskDeltas[] toldTheExit = new TaskDeltas[1];
    afterRead = tid -> {
      if (tid == 41) {
        toldTheExit[0] = table.take(41, BTIME); // its exit record is handled right after the sampler read it
      }
    };
    s.cycle();
    assertThat(toldTheExit[0].getCpuDelayTotal()).as("the exit is told the first sample").isEqualTo(2_000);
    TaskSample race = of(40);
    assertThat(race.getThreads()).as("only thread 40: the exit covers 41's 500").isEqualTo(1);
    assertThat(race.getDeltas().getCpuDelayTotal()).isEqualTo(100);
  }

  @Test
  void threadsThatBeganToExitAreLeftToTheirExitRecord() throws IOException {
    thread(50, 50, "z", "Z", 0x400044, 1_000, 10, 0, BTIME);       // zombie leader
    thread(50, 51, "z", "R", 0x400044, 2_000, 20, 0, BTIME);       // PF_EXITING set
    thread(50, 52, "z", "S", 0x400040, 3_000, 30, 0, BTIME);
    sampler("i1").cycle();
    TaskSample z = of(50);
    assertThat(z.getThreads()).isEqualTo(1);
    assertThat(z.getDeltas().getCpuDelayTotal()).isEqualTo(3_000);
  }

  @Test
  void aReusedThreadIdIsANewTask() throws IOException {
    thread(60, 61, "old", 5_000, 50, 0);
    Sampler s = sampler("i1");
    s.cycle();
    published.clear();
    // 61 exited unseen (its exit lost), and a new task got the id ten seconds later.
    thread(60, 61, "new", "S", 0x400040, 700, 7, 0, BTIME + 10);
    s.cycle();
    assertThat(of(60).getDeltas().getCpuDelayTotal()).as("the new task's own life, not 700 - 5,000").isEqualTo(700);
    assertThat(table.take(61, BTIME)).as("an exit of the old task is told nothing of the new one").isNull();
  }

  @Test
  void aThreadMissingFromAListingKeepsWhatWasPublishedForItsExitAndAFailedListingForgetsNothing()
      throws IOException {
    thread(70, 70, "a", 100, 1, 0);
    thread(70, 71, "a", 100, 1, 0);
    Sampler s = sampler("i1");
    s.cycle();
    assertThat(table.size()).isEqualTo(2);
    // 71 is gone from the tree (or a listing of 70/task skipped it) while its exit record waits.
    gone(70, 71);
    s.cycle();
    TaskDeltas sampled = table.take(71, BTIME);
    assertThat(sampled).as("the exit handled after a cycle that did not list 71").isNotNull();
    assertThat(sampled.getCpuDelayTotal()).isEqualTo(100);

    Path away = proc.resolveSibling(proc.getFileName() + "-away");
    Files.move(proc, away); // the proc tree cannot be listed
    try {
      assertThatThrownBy(s::cycle).isInstanceOf(IOException.class);
      assertThat(table.size()).as("a failed listing forgets nothing").isEqualTo(1);
    } finally {
      Files.move(away, proc);
    }
  }

  @Test
  void aRestartOfTheSameInstanceContinuesAndAnotherInstanceStartsAfresh() throws IOException {
    thread(80, 80, "svc", 1_000, 10, 0);
    sampler("i1").cycle();
    thread(80, 80, "svc", 1_250, 12, 0);

    SampledThreads fresh = new SampledThreads();
    List<TaskSample> afterRestart = new ArrayList<>();
    Sampler restarted = sampler("i1", HOST, fresh, afterRestart);
    assertThat(fresh.size()).as("restored from the journal").isEqualTo(1);
    restarted.cycle();
    assertThat(afterRestart).singleElement().satisfies(x -> assertThat(x.getDeltas().getCpuDelayTotal())
        .as("only what came since the previous run's sample").isEqualTo(250));
    assertThat(fresh.take(80, BTIME).getCpuDelayTotal()).isEqualTo(1_250);

    SampledThreads other = new SampledThreads();
    sampler("i1", new HostIdentity("h", "boot-2", "6.18"), other, new ArrayList<>());
    assertThat(other.size()).as("another boot: a new instance, whose samples start over").isZero();
  }

  @Test
  void threadsRunningBeforeTheSamplerBeganAreCarriedOverInASampleOfTheirOwnOnce() throws IOException {
    long before = BTIME - 3_600;
    thread(90, 90, "old", "S", 0x400040, 5_000, 50, 0, before);       // ran an hour before the agent
    thread(90, 91, "old", "S", 0x400040, 7_000, 70, 0, before);
    Sampler s = sampler("i1");
    s.cycle();
    assertThat(published).singleElement().satisfies(x -> {
      assertThat(x.getCarriedOver()).as("their lives before the agent").isTrue();
      assertThat(x.getDeltas().getCpuDelayTotal()).isEqualTo(12_000);
    });

    published.clear();
    thread(90, 91, "old", "S", 0x400040, 7_400, 74, 0, before);
    thread(90, 92, "new", 300, 3, 0);                                  // begun after the sampler
    s.cycle();
    assertThat(published).singleElement().satisfies(x -> {
      assertThat(x.getCarriedOver()).as("what came since, and a new thread's life").isFalse();
      assertThat(x.getDeltas().getCpuDelayTotal()).isEqualTo(400 + 300);
      assertThat(x.getThreads()).isEqualTo(2);
    });

    published.clear();
    thread(90, 93, "late", "S", 0x400040, 900, 9, 0, before);        // first seen now, begun before
    thread(90, 92, "new", 500, 5, 0);
    s.cycle();
    assertThat(published).as("a group with both kinds: two samples").hasSize(2);
    assertThat(published).filteredOn(TaskSample::getCarriedOver).singleElement()
        .satisfies(x -> assertThat(x.getDeltas().getCpuDelayTotal()).isEqualTo(900));
    assertThat(published).filteredOn(x -> !x.getCarriedOver()).singleElement()
        .satisfies(x -> assertThat(x.getDeltas().getCpuDelayTotal()).isEqualTo(200));
    assertThat(published).extracting(TaskSample::getAgentSeq).doesNotHaveDuplicates();
  }

  @Test
  void statLinesAreReadAsTheKernelWritesThem() {
    assertThat(LiveThreads.running("123 (a (b) c) S 1 2 3 0 -1 4194560 0 0")).isTrue();
    assertThat(LiveThreads.running("123 (x) R 1 2 3 0 -1 4194564 0 0")).as("PF_EXITING").isFalse();
    assertThat(LiveThreads.running("123 (x) Z 1 2 3 0 -1 4194560 0 0")).isFalse();
    assertThat(LiveThreads.running("123 (x) X 1 2 3 0 -1 4194560")).isFalse();
    assertThat(LiveThreads.running("garbage")).isFalse();
    assertThat(LiveThreads.running("123 (x) S 1 2")).isFalse();
  }
}
