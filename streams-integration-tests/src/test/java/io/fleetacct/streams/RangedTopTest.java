package io.fleetacct.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.testing.WithKafkaBroker;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.testing.SampleRecords;
import io.fleetacct.streams.testing.TwoInstances;
import io.fleetacct.testing.IntegrationTest;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ranged rankings on two instances and a real broker, with known exits spread over three hours:
 * every ranged top (several ranges, all five dimensions, sums, maxima and averages) is exactly the
 * ranking the test computes from the exits itself, the same from both instances, and still right
 * from the survivor after the other is killed with SIGKILL.
 */
@WithKafkaBroker
@IntegrationTest
class RangedTopTest {

  // Three hours ago, on the hour: inside the 7-day retention, and the ranges line up with hours.
  private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
  private static final int MINUTES = 180;

  @TempDir Path stateA;
  @TempDir Path stateB;

  /** What the test knows of one exit, counted without the topology's code. */
  record Known(String host, String cgroup, String command, Instant at, long cpuCount, long cpuDelay,
               long cpuDelayMax, long blkioCount, long blkioDelay) {
    long field(String by) {
      return switch (by) {
        case "exits" -> 1;
        case "cpu_count" -> cpuCount;
        case "cpu_delay_total" -> cpuDelay;
        case "cpu_delay_max" -> cpuDelayMax;
        case "blkio_count" -> blkioCount;
        case "blkio_delay_total" -> blkioDelay;
        default -> throw new IllegalArgumentException(by);
      };
    }
  }

  /** Exits whose weight moves between cgroups over the hours, so each range ranks differently. */
  private static List<Known> knownExits() {
    SplittableRandom r = new SplittableRandom(20261202L);
    List<Known> out = new ArrayList<>();
    for (int m = 0; m < MINUTES; m++) {
      int n = 8 + r.nextInt(8);
      for (int i = 0; i < n; i++) {
        int cgroup = (r.nextInt(40) + m / 30) % 40;
        long weight = 1 + (cgroup * 7L + m) % 13;
        out.add(new Known("host-" + r.nextInt(12), "/fleet/svc-" + cgroup, "cmd-" + r.nextInt(9),
            T0.plus(Duration.ofMinutes(m)).plusMillis(r.nextInt(60_000)), 1 + r.nextInt(20),
            weight * (1 + r.nextInt(1_000_000)), r.nextInt(500_000), r.nextInt(4), weight * r.nextInt(100_000)));
      }
    }
    out.sort(Comparator.comparing(Known::at));
    return out;
  }

  private static TaskExit exit(Known k, long seq) {
    TaskExit e = SampleRecords.singleThreadedExit(seq);
    e.setHost(k.host());
    e.setAgentInstance("agent-" + k.host());
    e.setCgroup(k.cgroup());
    e.setReceivedAt(k.at());
    TaskStats t = SampleRecords.fullTaskStats();
    t.setVersion(16);
    t.setAcComm(k.command());
    e.setCommand(k.command());
    t.setCpuCount(k.cpuCount());
    t.setCpuDelayTotal(k.cpuDelay());
    t.setCpuDelayMax(k.cpuDelayMax());
    t.setBlkioCount(k.blkioCount());
    t.setBlkioDelayTotal(k.blkioDelay());
    e.setTask(t);
    return e;
  }

  /** One ranked row as the test expects it: the key and the value ranked by. */
  record Rank(String key, double value) {}

  /**
   * The expected ranking: exits whose 1-minute window starts in [from, to), grouped by
   * {@code key}, ranked by {@code by} (sum, max, or average per event), ties by key.
   */
  static List<Rank> expected(List<Known> exits, Instant from, Instant to, Predicate<Known> in,
                             Function<Known, String> key, String by, int limit) {
    Map<String, double[]> acc = new HashMap<>(); // [sum or max, total, count]
    for (Known k : exits) {
      Instant window = k.at().truncatedTo(ChronoUnit.MINUTES);
      if (window.isBefore(from) || !window.isBefore(to) || !in.test(k)) {
        continue;
      }
      double[] a = acc.computeIfAbsent(key.apply(k), x -> new double[3]);
      if (by.endsWith("_avg")) {
        String kind = by.substring(0, by.length() - "_delay_avg".length());
        a[1] += k.field(kind + "_delay_total");
        a[2] += k.field(kind + "_count");
      } else if (by.endsWith("_max")) {
        a[0] = Math.max(a[0], k.field(by));
      } else {
        a[0] += k.field(by);
      }
    }
    List<Rank> rows = new ArrayList<>();
    acc.forEach((k, a) -> rows.add(new Rank(k, by.endsWith("_avg")
        ? (a[2] == 0 ? Double.NEGATIVE_INFINITY : a[1] / a[2]) : a[0])));
    rows.sort(Comparator.comparingDouble(Rank::value).reversed().thenComparing(Rank::key));
    return rows.subList(0, Math.min(limit, rows.size()));
  }

  private record Case(String path, Predicate<Known> in, Function<Known, String> key) {}

  private static final List<Case> DIMENSIONS = List.of(
      new Case("/v1/hosts/top?", k -> true, Known::host),
      new Case("/v1/cgroups/top?", k -> true, Known::cgroup),
      new Case("/v1/commands/top?", k -> true, Known::command),
      new Case("/v1/cgroups/hosts?path=" + enc("/fleet/svc-3") + "&", k -> k.cgroup().equals("/fleet/svc-3"),
          Known::host),
      new Case("/v1/hosts/host-5/cgroups/top?", k -> k.host().equals("host-5"), Known::cgroup));

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** [from, to) pairs: whole hours, the last 15 minutes, edges off every boundary, the whole span. */
  private static final List<Instant[]> RANGES = List.of(
      new Instant[] {T0.plus(Duration.ofHours(1)), T0.plus(Duration.ofHours(2))},
      new Instant[] {T0.plus(Duration.ofMinutes(MINUTES - 15)), T0.plus(Duration.ofMinutes(MINUTES))},
      new Instant[] {T0.plus(Duration.ofMinutes(37)).plusSeconds(20), T0.plus(Duration.ofMinutes(132)).plusSeconds(30)},
      new Instant[] {T0.minus(Duration.ofHours(1)), T0.plus(Duration.ofHours(4))});

  private static final List<String> BY = List.of("cpu_delay_total", "exits", "cpu_delay_max", "cpu_delay_avg",
      "blkio_delay_avg");

  @Test
  void rangedTopsAreExactlyTheRankingOfTheDataFromEitherInstanceAndAfterOneIsKilled(EmbeddedKafkaBroker broker)
      throws Exception {
    String appId = "ranged-" + UUID.randomUUID().toString().substring(0, 8);
    List<Known> known = knownExits();
    List<TaskExit> exits = new ArrayList<>();
    Map<String, Long> seqs = new HashMap<>();
    for (Known k : known) {
      exits.add(exit(k, seqs.merge(k.host(), 1L, Long::sum) - 1));
    }
    try (TwoInstances both = TwoInstances.start(broker, appId, stateA, stateB)) {
      both.publish(exits);
      awaitCounted(both.urlA(), known.size());

      int checked = 0;
      for (Case c : DIMENSIONS) {
        for (Instant[] range : RANGES) {
          for (String by : BY) {
            String q = c.path() + "by=" + by + "&limit=7&from=" + range[0] + "&to=" + range[1];
            JsonNode fromA = TwoInstances.get(both.urlA(), q, 200);
            assertRanking(fromA, expected(known, range[0], range[1], c.in(), c.key(), by, 7), by, q);
            assertThat(TwoInstances.get(both.urlB(), q, 200)).as("from both instances: %s", q).isEqualTo(fromA);
            checked++;
          }
        }
      }
      // The last 15 minutes rank differently from all time (the point of a range).
      String recent = "/v1/cgroups/top?by=cpu_delay_total&limit=5&from=" + RANGES.get(1)[0] + "&to=" + RANGES.get(1)[1];
      assertThat(keys(TwoInstances.get(both.urlA(), recent, 200)))
          .isNotEqualTo(keys(TwoInstances.get(both.urlA(), "/v1/cgroups/top?by=cpu_delay_total&limit=5", 200)));
      System.out.printf("ranged top: %d rankings exact from both instances%n", checked);

      both.killB();
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      for (Case c : DIMENSIONS) {
        Instant[] range = RANGES.get(2);
        String q = c.path() + "by=cpu_delay_avg&limit=7&from=" + range[0] + "&to=" + range[1];
        HttpResponse<String> r = TwoInstances.send(both.urlA(), q);
        while (r.statusCode() == 503 && System.nanoTime() < deadline) {
          Thread.sleep(250); // until the group notices, or while B's tasks are restored here
          r = TwoInstances.send(both.urlA(), q);
        }
        assertThat(r.statusCode()).as("%s after B's SIGKILL: %s", q, r.body()).isEqualTo(200);
        assertRanking(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()),
            expected(known, range[0], range[1], c.in(), c.key(), "cpu_delay_avg", 7), "cpu_delay_avg", q);
      }
    }
  }

  private static List<String> keys(JsonNode answer) {
    List<String> out = new ArrayList<>();
    answer.get("rows").forEach(r -> out.add(r.get("key").asText()));
    return out;
  }

  private static void assertRanking(JsonNode answer, List<Rank> expected, String by, String q) {
    JsonNode rows = answer.get("rows");
    assertThat(keys(answer)).as(q).containsExactlyElementsOf(expected.stream().map(Rank::key).toList());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode v = rows.get(i).get(by);
      if (by.endsWith("_avg")) {
        double want = expected.get(i).value();
        if (want == Double.NEGATIVE_INFINITY) {
          assertThat(v.isNull()).as("%s row %d: no events, no average", q, i).isTrue();
        } else {
          assertThat(v.asDouble()).as("%s row %d", q, i).isCloseTo(want, within(1e-6 * want));
        }
      } else {
        assertThat(v.asLong()).as("%s row %d", q, i).isEqualTo((long) expected.get(i).value());
      }
    }
  }

  /** Waits until every table has counted every exit (each is its own sub-topology, at its own pace). */
  private static void awaitCounted(String url, long exits) throws Exception {
    List<String> tables = new ArrayList<>(List.of("/v1/hosts/top?", "/v1/cgroups/top?", "/v1/commands/top?"));
    for (int h = 0; h < 12; h++) {
      tables.add("/v1/hosts/host-" + h + "/cgroups/top?");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    long sum = -1;
    while (System.nanoTime() < deadline) {
      sum = 0;
      for (String t : tables) {
        HttpResponse<String> r = TwoInstances.send(url, t + "by=exits&limit=100");
        if (r.statusCode() == 200) {
          for (JsonNode n : new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("rows")) {
            sum += n.get("exits").asLong();
          }
        }
      }
      if (sum == 4 * exits) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("counted " + sum + " of 4 x " + exits + " exits in the four tables within 120 s");
  }
}
