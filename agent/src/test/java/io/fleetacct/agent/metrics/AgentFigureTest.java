package io.fleetacct.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.agent.cgroup.Attribution;
import io.fleetacct.agent.cgroup.AttributionCounters;
import io.fleetacct.agent.cgroup.ExitAttribution;
import io.fleetacct.agent.command.Command;
import io.fleetacct.agent.publish.PublisherCounters;
import io.fleetacct.agent.publish.Waiting;
import io.fleetacct.agent.sample.SamplerCounters;
import io.fleetacct.agent.taskstats.ListenerCounters;
import io.fleetacct.agent.taskstats.MalformedMessageException;
import io.fleetacct.schema.AgentStatus;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.CommandSource;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The one table of the agent's figures: the heartbeat and /metrics say the same of each. */
class AgentFigureTest {

  /** Heartbeat fields that are not counts: the agent's identity and settings, set by the agent itself. */
  private static final Set<String> NOT_FIGURES = Set.of("host", "boot_id", "agent_instance", "agent_version",
      "started_at", "sent_at", "kernel_release", "cpus", "attribution_mode", "sample_interval_ms", "stopped_at",
      "delivered_until", "clock_offset_ms", "clock_offset_error_ms");

  /** Sources whose every figure has a value of its own, from {@code base} up; proc mode. */
  static AgentFigure.Sources sources(long base) {
    long[] next = {base};
    ListenerCounters listener = new ListenerCounters();
    PublisherCounters publisher = new PublisherCounters();
    SamplerCounters sampler = new SamplerCounters();
    AttributionCounters attribution = new AttributionCounters();
    for (LongAdder a : new LongAdder[] {listener.received, listener.kernelOverflowEvents, listener.kernelSequenceGaps,
        listener.newerStructVersion, listener.handlerErrors, publisher.published, publisher.spooled, publisher.dropped,
        publisher.publishErrors, publisher.statusErrors, publisher.encodedBytes, sampler.cycles, sampler.threadsRead,
        sampler.samples, sampler.errors, attribution.exitHookWaits, attribution.exitHookTimeouts,
        attribution.exitHookStale, attribution.unresolvedCgroupIds, attribution.procEventOverflows,
        attribution.mapFull}) {
      a.add(next[0]++);
    }
    listener.structVersion.set(17);
    publisher.highestSeqSent.set(next[0]++);
    sampler.lastCycleNanos.set(1_500_000_000L);
    for (MalformedMessageException.Reason r : MalformedMessageException.Reason.values()) {
      for (int i = 0; i <= r.ordinal(); i++) {
        listener.decodeError(r);
      }
    }
    CgroupSource[] cgroups = CgroupSource.values();
    CommandSource[] commands = CommandSource.values();
    for (int i = 0; i < 40; i++) {
      CgroupSource c = cgroups[i % cgroups.length];
      if (c != CgroupSource.unknown && i % 7 != 0) {
        attribution.count(new ExitAttribution(new Attribution(null, c),
            new Command("x", commands[(i / 3) % commands.length])));
      }
    }
    long spooled = next[0]++;
    Waiting waiting = new Waiting() {
      @Override
      public int queued() {
        return 11;
      }

      @Override
      public int inFlight() {
        return 12;
      }

      @Override
      public long spooledRecords() {
        return spooled;
      }

      @Override
      public long spooledBytes() {
        return spooled * 100;
      }

      @Override
      public long spoolCorruptFrames() {
        return 13;
      }
    };
    return new AgentFigure.Sources(listener, publisher, attribution, waiting, sampler, () -> 14, () -> 15, () -> 1);
  }

  private static AgentStatus heartbeat(AgentFigure.Sources s) {
    AgentStatus status = AgentStatus.newBuilder().setHost("h").setBootId("b").setAgentInstance("i")
        .setStartedAt(Instant.EPOCH).setSentAt(Instant.EPOCH).setKernelRelease("6.1").build();
    AgentFigure.fillHeartbeat(status, s);
    return status;
  }

  /** Each series of a scrape: metric name (without _total) and label value to value. */
  private static Map<String, Double> scrape(AgentFigure.Sources s) {
    Map<String, Double> out = new HashMap<>();
    MetricSnapshots snapshots = AgentMetrics.registry(s).scrape();
    for (MetricSnapshot m : snapshots) {
      for (DataPointSnapshot p : m.getDataPoints()) {
        String label = p.getLabels().size() == 0 ? "" : p.getLabels().getValue(0);
        double v = p instanceof CounterSnapshot.CounterDataPointSnapshot c ? c.getValue()
            : ((GaugeSnapshot.GaugeDataPointSnapshot) p).getValue();
        out.put(m.getMetadata().getName() + "/" + label, v);
      }
    }
    return out;
  }

  @Test
  void theHeartbeatCarriesWhatMetricsSayOfEveryFigureItHas() {
    AgentFigure.Sources s = sources(1_000);
    AgentStatus status = heartbeat(s);
    Map<String, Double> metrics = scrape(s);

    assertThat(status.getReceived()).isEqualTo(metrics.get("fleetacct_agent_exits_received/").longValue());
    assertThat(status.getPublished()).isEqualTo(metrics.get("fleetacct_agent_records_published/").longValue());
    assertThat(status.getDropped()).isEqualTo(metrics.get("fleetacct_agent_records_dropped/").longValue());
    assertThat(status.getKernelOverflowEvents())
        .isEqualTo(metrics.get("fleetacct_agent_kernel_overflow_events/").longValue());
    assertThat(status.getSpooledRecords()).isEqualTo(metrics.get("fleetacct_agent_spool_records/").longValue());
    assertThat(status.getSpooledBytes()).isEqualTo(metrics.get("fleetacct_agent_spool_bytes/").longValue());
    assertThat(status.getStructVersion()).isEqualTo(17);
    assertThat(status.getDelayacctEnabled()).isTrue();
    assertThat(status.getSampledThreads()).isEqualTo(14);
    assertThat(metrics.get("fleetacct_agent_sample_cycle_seconds/")).isEqualTo(1.5);
    long decodeErrors = 0;
    for (MalformedMessageException.Reason r : MalformedMessageException.Reason.values()) {
      decodeErrors += metrics.get("fleetacct_agent_decode_errors/" + r.name()).longValue();
    }
    assertThat(status.getDecodeErrors()).as("the sum over reasons").isEqualTo(decodeErrors).isPositive();
    assertThat(status.getAttributionMisses()).isEqualTo(metrics.get("fleetacct_agent_attributions/none").longValue())
        .isPositive();
    assertThat(status.getAttributedExitHook())
        .isEqualTo(metrics.get("fleetacct_agent_attributions/exit_hook").longValue()).isPositive();
    assertThat(status.getAttributedParent()).isEqualTo(metrics.get("fleetacct_agent_attributions/parent").longValue());
    for (Map.Entry<String, Long> e : status.getCommandsBySource().entrySet()) {
      assertThat(e.getValue()).as(e.getKey()).isPositive()
          .isEqualTo(metrics.get("fleetacct_agent_commands/" + e.getKey()).longValue());
    }
    assertThat(status.getCommandsBySource()).isNotEmpty();
  }

  @Test
  void everyHeartbeatCountComesFromTheTable() {
    AgentFigure.Sources zero = new AgentFigure.Sources(new ListenerCounters(), new PublisherCounters(),
        new AttributionCounters(), sources(0).waiting(), new SamplerCounters(), () -> 0, null, () -> 0);
    AgentStatus empty = heartbeat(zero);
    AgentStatus full = heartbeat(sources(1_000));
    Set<String> unfilled = new HashSet<>();
    for (Schema.Field f : AgentStatus.getClassSchema().getFields()) {
      if (!NOT_FIGURES.contains(f.name()) && java.util.Objects.equals(empty.get(f.pos()), full.get(f.pos()))) {
        unfilled.add(f.name());
      }
    }
    assertThat(unfilled).as("heartbeat fields no figure of the table fills").isEmpty();
  }

  @Test
  void theSumOfAFigureIsTheSumOfItsSeries() {
    AgentFigure.Sources s = sources(5);
    assertThat(AgentFigure.EXITS_RECEIVED.total(s)).isEqualTo(s.listener().received.sum());
    assertThat(AgentFigure.DECODE_ERRORS.total(s)).isEqualTo(s.listener().decodeErrors());
    assertThat(AgentFigure.CGROUP_MAP_ENTRIES.available(s)).isTrue();
    assertThat(AgentFigure.CGROUP_MAP_ENTRIES.available(new AgentFigure.Sources(s.listener(), s.publisher(),
        s.attribution(), s.waiting(), s.sampler(), s.sampledThreads(), null, () -> 0))).as("exact mode").isFalse();
  }
}
