package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whether the tables hold everything the fleet will ever send for a time range, from the agents'
 * delivery watermarks ({@code delivered_until} of each host's last heartbeat: every record stamped
 * before it had reached Kafka).
 *
 * <p>A host's watermark counts only as far as this application has read: while its instance
 * progress is below the heartbeat's {@code highest_seq_sent} (records in Kafka not yet counted), it
 * is the time of the latest record counted. A host that stopped cleanly with everything delivered
 * (watermark at or past {@code stopped_at}) is done. A range is complete when every other host's
 * watermark is at or past its end; the hosts short of it are {@code behind}, oldest first. Hosts
 * silent for longer than the window retention are left out (nothing of theirs could land in a
 * window), as are agents before 0.3.0 (no watermark) that stopped; running ones are behind.
 * Heartbeats that cannot be read now (their partitions moving between instances) do not fail the
 * answer: it is not complete, and {@code completeness_unknown} says why.
 */
final class Completeness {

  /** Hosts named in {@code behind}; the rest are counted in {@code behind_more}. */
  static final int MAX_BEHIND = 20;

  private record Host(String host, Instant watermark, Instant stoppedAt, Instant lastSeen) {}

  private final List<Host> running = new ArrayList<>();
  /** Why the heartbeats could not be read (then nothing is known to be complete); null if they were. */
  private final String unknown;

  private Completeness(String unknown) {
    this.unknown = unknown;
  }

  /** Nothing known: the heartbeats could not be read, for the reason given. */
  static Completeness unknown(String why) {
    return new Completeness(why);
  }

  /**
   * @param agents the answer of /v1/agents
   * @param now this application's clock
   * @param retention the window retention
   */
  Completeness(JsonNode agents, Instant now, Duration retention) {
    this.unknown = null;
    for (JsonNode a : agents) {
      Instant lastSeen = time(a.path("sent_at"));
      if (lastSeen != null && lastSeen.isBefore(now.minus(retention))) {
        continue;
      }
      Instant watermark = time(a.path("delivered_until"));
      Instant stoppedAt = time(a.path("stopped_at"));
      JsonNode instance = null;
      for (JsonNode i : a.path("instances")) {
        if (i.path("agent_instance").asText().equals(a.path("agent_instance").asText())) {
          instance = i;
        }
      }
      long countedSeq = instance == null ? -1 : instance.path("highest_seq").asLong(-1);
      if (watermark != null && countedSeq < a.path("highest_seq_sent").asLong(-1)) {
        Instant counted = instance == null ? Instant.EPOCH : time(instance.path("last_seen"));
        watermark = counted == null || counted.isAfter(watermark) ? watermark : counted;
      }
      boolean done = stoppedAt != null && (watermark == null || !watermark.isBefore(stoppedAt));
      if (!done) {
        running.add(new Host(a.path("host").asText(), watermark, stoppedAt, lastSeen));
      }
    }
    running.sort(Comparator.comparing(Host::watermark, Comparator.nullsFirst(Comparator.naturalOrder())));
  }

  private static Instant time(JsonNode n) {
    return n.isTextual() ? Instant.parse(n.asText()) : null;
  }

  /** Adds {@code complete}, {@code behind} and {@code behind_more} for a range ending at {@code end}. */
  void describe(ObjectNode answer, Instant end) {
    ArrayNode behind = Json.MAPPER.createArrayNode();
    int more = 0;
    for (Host h : running) {
      if (h.watermark() == null || h.watermark().isBefore(end)) {
        if (behind.size() < MAX_BEHIND) {
          ObjectNode o = behind.addObject().put("host", h.host());
          put(o, "delivered_until", h.watermark());
          put(o, "last_seen", h.lastSeen());
          if (h.stoppedAt() != null) {
            o.put("stopped_at", h.stoppedAt().toString()); // stopped with records in its spool
          }
        } else {
          more++;
        }
      }
    }
    answer.put("complete", unknown == null && behind.isEmpty());
    answer.set("behind", behind);
    answer.put("behind_more", more);
    putUnknown(answer);
  }

  /** Adds {@code delivered_until}: the oldest watermark of the fleet (null: every host is done). */
  void describeAllTime(ObjectNode answer) {
    put(answer, "delivered_until", running.stream().map(Host::watermark).filter(w -> w != null).findFirst()
        .orElse(null));
    putUnknown(answer);
  }

  private void putUnknown(ObjectNode answer) {
    if (unknown != null) {
      answer.put("completeness_unknown", unknown);
    }
  }

  private static void put(ObjectNode o, String field, Instant t) {
    if (t == null) {
      o.putNull(field);
    } else {
      o.put(field, t.toString());
    }
  }
}
