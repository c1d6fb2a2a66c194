package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whether a range is complete, from /v1/agents rows as the query side merges them. */
class CompletenessTest {

  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static final Duration RETENTION = Duration.ofDays(7);
  private final ArrayNode agents = Json.MAPPER.createArrayNode();

  /** An agent's row: its last heartbeat's fields and its instance's progress on the streams side. */
  private ObjectNode agent(String host, Instant deliveredUntil, long highestSeqSent, long countedSeq,
                           Instant lastCounted) {
    ObjectNode a = agents.addObject().put("host", host).put("agent_instance", "i-" + host)
        .put("sent_at", NOW.minusSeconds(1).toString()).put("highest_seq_sent", highestSeqSent);
    if (deliveredUntil == null) {
      a.putNull("delivered_until");
    } else {
      a.put("delivered_until", deliveredUntil.toString());
    }
    a.putNull("stopped_at");
    if (countedSeq >= 0) {
      a.putArray("instances").addObject().put("agent_instance", "i-" + host).put("highest_seq", countedSeq)
          .put("last_seen", lastCounted.toString());
    } else {
      a.putArray("instances");
    }
    return a;
  }

  private ObjectNode describe(Instant end) {
    ObjectNode answer = Json.MAPPER.createObjectNode();
    new Completeness(agents, NOW, RETENTION).describe(answer, end);
    return answer;
  }

  private static List<String> hosts(ObjectNode answer) {
    List<String> out = new ArrayList<>();
    answer.get("behind").forEach(b -> out.add(b.get("host").asText()));
    return out;
  }

  @Test
  void aRangeIsCompleteWhenEveryWatermarkIsPastItsEndAndNamesTheHostsShortOfItOldestFirst() {
    agent("a", NOW.minusSeconds(2), 100, 100, NOW.minusSeconds(2));
    agent("b", NOW.minusSeconds(600), 50, 50, NOW.minusSeconds(600));
    agent("c", NOW.minusSeconds(300), 70, 70, NOW.minusSeconds(300));
    assertThat(describe(NOW.minusSeconds(900)).get("complete").asBoolean()).isTrue();
    ObjectNode cut = describe(NOW.minusSeconds(60));
    assertThat(cut.get("complete").asBoolean()).isFalse();
    assertThat(hosts(cut)).containsExactly("b", "c");
    assertThat(cut.get("behind").get(0).get("delivered_until").asText()).isEqualTo(NOW.minusSeconds(600).toString());
  }

  @Test
  void aWatermarkCountsOnlyAsFarAsTheStreamsSideHasCounted() {
    agent("a", NOW.minusSeconds(2), 100, 80, NOW.minusSeconds(120)); // Kafka holds 20 records not yet counted
    assertThat(hosts(describe(NOW.minusSeconds(60)))).containsExactly("a");
    assertThat(describe(NOW.minusSeconds(180)).get("complete").asBoolean()).isTrue();
  }

  @Test
  void anAgentThatHasSentNothingYetIsNotHeldBackByRecordsItNeverSent() {
    agent("fresh", NOW.minusSeconds(2), -1, -1, null);
    assertThat(describe(NOW.minusSeconds(60)).get("complete").asBoolean()).isTrue();
  }

  @Test
  void aCleanStopWithEverythingDeliveredIsDoneButOneWithRecordsInItsSpoolIsNot() {
    agent("done", NOW.minusSeconds(3600), 10, 10, NOW.minusSeconds(3600)).put("stopped_at",
        NOW.minusSeconds(3600).toString());
    assertThat(describe(NOW).get("complete").asBoolean()).isTrue();
    agent("saved", NOW.minusSeconds(3700), 10, 10, NOW.minusSeconds(3700)).put("stopped_at",
        NOW.minusSeconds(3600).toString());
    ObjectNode answer = describe(NOW);
    assertThat(hosts(answer)).containsExactly("saved");
    assertThat(answer.get("behind").get(0).get("stopped_at").asText()).isEqualTo(NOW.minusSeconds(3600).toString());
  }

  @Test
  void agentsWithoutAWatermarkAreBehindAndHostsSilentBeyondTheRetentionAreLeftOut() {
    agent("old-agent", null, 10, 10, NOW);
    agent("gone", NOW.minus(Duration.ofDays(8)), 10, 10, NOW.minus(Duration.ofDays(8)))
        .put("sent_at", NOW.minus(Duration.ofDays(8)).toString());
    ObjectNode answer = describe(NOW.minusSeconds(600));
    assertThat(hosts(answer)).containsExactly("old-agent");
    assertThat(answer.get("behind").get(0).get("delivered_until").isNull()).isTrue();
    ObjectNode allTime = Json.MAPPER.createObjectNode();
    new Completeness(agents, NOW, RETENTION).describeAllTime(allTime);
    assertThat(allTime.get("delivered_until").isNull()).as("no host with a watermark").isTrue();
  }

  @Test
  void atMostTwentyHostsAreNamedAndTheRestCounted() {
    for (int h = 0; h < 25; h++) {
      agent(String.format("h%02d", h), NOW.minusSeconds(1_000 - h), 1, 1, NOW.minusSeconds(1_000 - h));
    }
    ObjectNode answer = describe(NOW);
    assertThat(answer.get("behind")).hasSize(Completeness.MAX_BEHIND);
    assertThat(answer.get("behind_more").asInt()).isEqualTo(5);
    assertThat(hosts(answer).get(0)).isEqualTo("h00");
    ObjectNode allTime = Json.MAPPER.createObjectNode();
    new Completeness(agents, NOW, RETENTION).describeAllTime(allTime);
    assertThat(allTime.get("delivered_until").asText()).as("the fleet's oldest").isEqualTo(
        NOW.minusSeconds(1_000).toString());
  }

  @Test
  void heartbeatsThatCannotBeReadMakeNoRangeCompleteAndSayWhy() {
    ObjectNode ranged = Json.MAPPER.createObjectNode();
    Completeness.unknown("partition 2 of agent-status: no instance answers").describe(ranged, NOW.minusSeconds(3600));
    assertThat(ranged.get("complete").asBoolean()).isFalse();
    assertThat(ranged.get("completeness_unknown").asText()).contains("partition 2 of agent-status");
    ObjectNode allTime = Json.MAPPER.createObjectNode();
    Completeness.unknown("no instance answers").describeAllTime(allTime);
    assertThat(allTime.get("delivered_until").isNull()).isTrue();
    assertThat(allTime.get("completeness_unknown").asText()).isEqualTo("no instance answers");
    assertThat(describe(NOW.minusSeconds(3600)).has("completeness_unknown")).as("known: no such field").isFalse();
  }
}
