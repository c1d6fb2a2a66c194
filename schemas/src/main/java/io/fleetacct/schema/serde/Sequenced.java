package io.fleetacct.schema.serde;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskSample;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/**
 * Where a record of the exits topic stands in its agent instance's sequence, and its time (the
 * record timestamp the streams side windows by): the same view of a {@link TaskExit} and a
 * {@link TaskSample}.
 */
public record Sequenced(String host, String agentInstance, long agentSeq, Instant time) {

  /** @param record a TaskExit or a TaskSample */
  public static Sequenced of(SpecificRecord record) {
    if (record instanceof TaskSample s) {
      return new Sequenced(s.getHost(), s.getAgentInstance(), s.getAgentSeq(), s.getSampledAt());
    }
    if (record instanceof TaskExit e) {
      return new Sequenced(e.getHost(), e.getAgentInstance(), e.getAgentSeq(), e.getReceivedAt());
    }
    throw new IllegalArgumentException("not a record of the exits topic: " + record.getSchema().getName());
  }
}
