package io.fleetacct.standalone.testing;

import io.fleetacct.schema.TaskExit;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.schema.serde.Sequenced;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;

/**
 * What the agent wrote to an exits topic (read with {@code Topics.readAll}) against the kernel's
 * exits, to explain a test's mismatch: which exits reached Kafka more than once (under different
 * agent_seq numbers) and which never did.
 */
public final class ExitsTopic {

  private ExitsTopic() {}

  /**
   * A comparison of the kernel's exits matching {@code which} with the TaskExit records of the
   * topic matching it: pids the topic holds more often than the kernel reported them, and pids it
   * lacks, each with the agent instance and agent_seq of every copy.
   */
  public static String compare(Collection<TaskStats> kernel, List<SpecificRecord> topic, Predicate<TaskStats> which) {
    Map<Long, Long> kernelPids = kernel.stream().filter(which)
        .collect(Collectors.groupingBy(TaskStats::getAcPid, TreeMap::new, Collectors.counting()));
    Map<Long, List<String>> topicPids = new TreeMap<>();
    for (SpecificRecord r : topic) {
      if (r instanceof TaskExit e && which.test(e.getTask())) {
        Sequenced s = Sequenced.of(e);
        topicPids.computeIfAbsent(e.getTask().getAcPid(), k -> new ArrayList<>())
            .add(s.agentInstance().substring(0, 8) + "#" + s.agentSeq());
      }
    }
    StringBuilder out = new StringBuilder();
    topicPids.forEach((pid, copies) -> {
      if (copies.size() > kernelPids.getOrDefault(pid, 0L)) {
        out.append(String.format("pid %d: kernel %d, topic %s%n", pid, kernelPids.getOrDefault(pid, 0L), copies));
      }
    });
    kernelPids.forEach((pid, n) -> {
      if (topicPids.getOrDefault(pid, List.of()).size() < n) {
        out.append(String.format("pid %d: kernel %d, topic %s%n", pid, n, topicPids.getOrDefault(pid, List.of())));
      }
    });
    return out.length() == 0 ? "topic and kernel agree pid by pid" : out.toString();
  }
}
