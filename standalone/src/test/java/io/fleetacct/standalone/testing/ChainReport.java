package io.fleetacct.standalone.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.agent.testing.Topics;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.FleetacctSerdes;
import io.fleetacct.streams.StreamsApp;
import io.fleetacct.streams.topology.Contribution;
import io.fleetacct.streams.topology.Folding;
import io.fleetacct.streams.topology.Tables;
import io.fleetacct.testing.Http;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The account a fault test closes with, after the agent has stopped: what the kernel announced
 * while the agent was in charge (produced), what reached Kafka (delivered, each agent instance and
 * agent_seq once), what the tables counted, and what the system reported lost (sequence gaps).
 * {@link #check} requires lost-unreported = 0 and double-counted = 0, every table (all-time and
 * per minute, by every key the delivered records have) to hold exactly the delivered records, and
 * each workload command's totals to equal the kernel's records of its exits that arrived.
 */
public record ChainReport(long produced, long delivered, long onTopic, long counted, long lostReported,
                          long lostUnreported, long doubleCounted, long workloadExits, long workloadLost) {

  /** The report, checked; {@code survivor} is a streams instance that ran to the end. */
  public static ChainReport check(KernelAccount truth, Path spool, String bootstrap, String exitsTopic,
                                  StreamsApp survivor, String host) throws Exception {
    long produced = truth.announcedWhileJournalled(spool);
    List<TaskExit> onTopic = Topics.readAll(bootstrap, exitsTopic, FleetacctSerdes.taskExit(), got -> true,
        Duration.ofSeconds(60));
    Set<String> distinct = onTopic.stream().map(e -> e.getAgentInstance() + "/" + e.getAgentSeq())
        .collect(Collectors.toSet());
    long delivered = distinct.size();

    String hostPath = "/v1/hosts/" + host + "/totals";
    Http.await("the tables count everything delivered", Duration.ofSeconds(120),
        () -> Http.json(survivor.url() + hostPath).path("exits").asLong() >= delivered);
    long counted = Http.answer(survivor.url() + hostPath).get("exits").asLong();
    long lostReported = Http.sequenceGaps(survivor.url(), host);

    Set<String> arrived = new HashSet<>();
    for (TaskExit e : onTopic) {
      arrived.add(identity(e.getTask()));
    }
    Map<String, List<TaskStats>> byCommand = new LinkedHashMap<>();
    long workloadLost = 0;
    List<TaskStats> workloadExits = truth.workloadExits();
    for (TaskStats t : workloadExits) {
      if (arrived.contains(identity(t))) {
        byCommand.computeIfAbsent(t.getAcComm(), k -> new ArrayList<>()).add(t);
      } else {
        workloadLost++;
      }
    }
    ChainReport r = new ChainReport(produced, delivered, onTopic.size(), counted, lostReported,
        produced - counted - lostReported, counted - delivered, workloadExits.size(), workloadLost);
    System.out.println(r);

    assertThat(r.lostUnreported()).as("lost-unreported").isZero();
    assertThat(r.doubleCounted()).as("double-counted").isZero();
    assertEveryTableHoldsExactly(survivor, host, onTopic);
    assertThat(workloadLost).as("workload exits lost").isLessThanOrEqualTo(lostReported);
    assertThat(byCommand).as("the workload's commands").isNotEmpty();
    for (var e : byCommand.entrySet()) {
      JsonNode got = Http.answer(survivor.url() + "/v1/commands/" + e.getKey() + "/totals");
      assertThat(KernelTotals.reported(got)).as("totals of command %s", e.getKey())
          .isEqualTo(KernelTotals.of(e.getValue()));
    }
    return r;
  }

  @Override
  public String toString() {
    return String.format("chain report: produced %d, delivered %d (%d records on the topic with replays), counted %d,"
            + " lost-and-reported %d, lost-unreported %d, double-counted %d; workload exits %d, of them lost %d"
            + " (inside the reported)", produced, delivered, onTopic, counted, lostReported, lostUnreported,
        doubleCounted, workloadExits, workloadLost);
  }

  /**
   * Every table, all-time and per minute, by every key the delivered records have, counts exactly
   * the delivered records, each (agent instance, agent_seq) once.
   */
  private static void assertEveryTableHoldsExactly(StreamsApp app, String host, List<TaskExit> onTopic)
      throws Exception {
    Map<String, TaskExit> once = new LinkedHashMap<>();
    for (TaskExit e : onTopic) {
      once.putIfAbsent(e.getAgentInstance() + "/" + e.getAgentSeq(), e);
    }
    Map<String, Long> byCgroup = once.values().stream().collect(Collectors.groupingBy(
        e -> e.getCgroup() == null ? Tables.UNATTRIBUTED : e.getCgroup(), Collectors.counting()));
    // A command is the process's program, folded by the default rules, as the by-program table keys it.
    Map<String, Long> byCommand = once.values().stream().collect(Collectors.groupingBy(
        e -> Contribution.of(e, Folding.defaults()).command(), Collectors.counting()));
    Instant from = once.values().stream().map(TaskExit::getReceivedAt).min(Instant::compareTo).orElseThrow()
        .truncatedTo(ChronoUnit.MINUTES);
    Instant to = once.values().stream().map(TaskExit::getReceivedAt).max(Instant::compareTo).orElseThrow()
        .plus(1, ChronoUnit.MINUTES);
    String range = "from=" + from + "&to=" + to;
    String base = app.url() + "/v1/";
    settles("host " + host + " per minute", once.size(), () -> windowedExits(base + "hosts/" + enc(host) + "/series?"
        + range));
    for (var e : byCgroup.entrySet()) {
      String path = "path=" + enc(e.getKey());
      settles("cgroup " + e.getKey(), e.getValue(), () -> Http.json(base + "cgroups/totals?" + path).path("exits")
          .asLong());
      settles("host+cgroup " + e.getKey(), e.getValue(), () -> Http.json(base + "hosts/" + enc(host)
          + "/cgroups/totals?" + path).path("exits").asLong());
      settles("cgroup " + e.getKey() + " per minute", e.getValue(), () -> windowedExits(base + "cgroups/series?" + path
          + "&" + range));
    }
    for (var e : byCommand.entrySet()) {
      settles("command " + e.getKey(), e.getValue(), () -> Http.json(base + "commands/" + enc(e.getKey())
          + "/totals").path("exits").asLong());
    }
    System.out.printf("chain report: every table agrees: host (all-time, and per minute over %d min), %d cgroups"
        + " and host+cgroups (all-time and per minute), %d commands%n", ChronoUnit.MINUTES.between(from, to),
        byCgroup.size(), byCommand.size());
  }

  @FunctionalInterface
  private interface Count {
    long get() throws Exception;
  }

  /** Waits up to 60 s for a table (tables behind other repartition topics may lag), then requires exactly. */
  private static void settles(String what, long expected, Count actual) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long got = actual.get();
    while (got != expected && System.nanoTime() < deadline) {
      Thread.sleep(200);
      got = actual.get();
    }
    assertThat(got).as(what).isEqualTo(expected);
  }

  private static long windowedExits(String url) throws Exception {
    long sum = 0;
    for (JsonNode w : Http.json(url).path("windows")) {
      sum += w.path("exits").asLong();
    }
    return sum;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** One exit, told apart from every other of the run (pid numbers are reused). */
  private static String identity(TaskStats t) {
    return t.getAcPid() + "/" + t.getAcBtime() + "/" + t.getAcEtime();
  }
}
