package io.fleetacct.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetacct.testing.IntegrationTest;
import java.io.File;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart, checked offline with a real helm binary ($HELM, which .ci/run provides, else helm on
 * PATH): lint, render with default and non-default values, parse every manifest with fabric8's
 * Kubernetes model rejecting unknown fields, and hold the kernel interface's hard rules.
 */
@IntegrationTest
class ChartTest {

  private static final Path CHART = Path.of("fleetacct").toAbsolutePath();
  private static final String NS = "acct";
  private static final String[] NON_DEFAULT = {"agent.enableDelayacct=true", "kafka.credentialsSecret=kafka-creds",
      "kafka.createTopics.enabled=true", "serviceMonitor.enabled=true", "streams.replicas=3",
      "streams.persistence.storageClass=fast", "agent.priorityClassName=system-node-critical",
      "streams.networkPolicy.enabled=true", "agent.exactAttribution=false",
      "streams.networkPolicy.allowFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=ingress"};

  @TempDir static Path helmHome;
  private static String helm;

  @BeforeAll
  static void findHelm() {
    helm = System.getenv().getOrDefault("HELM", "helm");
    assumeTrue(runs(helm), "needs a helm binary: set HELM or put helm on PATH (.ci/run fetches one)");
  }

  @Test
  void lintsStrictWithDefaultAndNonDefaultValues() throws Exception {
    helm("lint", "--strict", CHART.toString());
    List<String> args = new ArrayList<>(List.of("lint", "--strict", CHART.toString()));
    for (String v : NON_DEFAULT) {
      args.addAll(List.of("--set", v));
    }
    helm(args.toArray(String[]::new));
  }

  @Test
  void everyRenderedManifestParsesWithoutUnknownFields() throws Exception {
    for (List<HasMetadata> manifests : List.of(render(), render(NON_DEFAULT))) {
      for (HasMetadata m : manifests) {
        if (m instanceof GenericKubernetesResource g) {
          assertThat(g.getKind()).as("only CRDs are outside the model").isEqualTo("ServiceMonitor");
          continue;
        }
        assertThat(unknownFields(m, "", new IdentityHashMap<>()))
            .as("unknown fields in %s %s", m.getKind(), m.getMetadata().getName()).isEmpty();
      }
    }
  }

  @Test
  void agentRunsInTheHostNamespacesWithNetAdminAndWhatExactAttributionNeeds() throws Exception {
    DaemonSet ds = only(render(), DaemonSet.class);
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostPID()).as("hostPID").isTrue();
    assertThat(pod.getHostNetwork()).as("hostNetwork").isTrue();
    Container agent = pod.getContainers().get(0);
    var sc = agent.getSecurityContext();
    assertThat(sc.getPrivileged()).as("privileged").isNotEqualTo(Boolean.TRUE);
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).containsExactly("NET_ADMIN", "BPF", "PERFMON", "DAC_READ_SEARCH");
    assertThat(agent.getArgs()).contains("--host=$(NODE_NAME)", "--sockets=per-cpu", "--attribution=auto",
        "--sample-interval=60")
        .doesNotContain("--enable-delayacct");
    assertThat(agent.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/sys/fs/cgroup");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getHostPath()).isNotNull()
        .extracting(h -> h.getPath()).isEqualTo("/sys/fs/cgroup"));
    assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
    assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getHostPath()).isNotNull()
        .extracting(h -> h.getPath()).isEqualTo("/var/lib/fleetacct/spool"));
    assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
  }

  @Test
  void theAgentKeepsTheImagesMeasuredJvmSettingsAndGetsTheMeasuredMemoryWithoutACpuLimit() throws Exception {
    Container agent = only(render(), DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(agent.getEnv()).noneSatisfy(e -> assertThat(e.getName()).isEqualTo("JAVA_TOOL_OPTIONS"));
    assertThat(agent.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("FLEETACCT_JAVA_OPTS"); // after the image's jvm.options, not before
      assertThat(e.getValue()).isEmpty();
    });
    assertThat(agent.getResources().getRequests()).containsEntry("memory", new Quantity("128Mi"))
        .containsEntry("cpu", new Quantity("50m"));
    assertThat(agent.getResources().getLimits()).containsOnlyKeys("memory").containsEntry("memory", new Quantity("256Mi"));
    Container raised = only(render("agent.javaOpts=-Xmx96m"), DaemonSet.class).getSpec().getTemplate().getSpec()
        .getContainers().get(0);
    assertThat(raised.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("FLEETACCT_JAVA_OPTS");
      assertThat(e.getValue()).isEqualTo("-Xmx96m");
    });
  }

  @Test
  void withoutExactAttributionTheAgentHasNetAdminOnlyAndNoCgroupMount() throws Exception {
    var pod = only(render("agent.exactAttribution=false"), DaemonSet.class).getSpec().getTemplate().getSpec();
    Container agent = pod.getContainers().get(0);
    assertThat(agent.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN");
    assertThat(agent.getArgs()).contains("--attribution=proc");
    assertThat(agent.getVolumeMounts()).noneSatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/sys/fs/cgroup"));
    assertThat(pod.getVolumes()).noneSatisfy(v -> assertThat(v.getName()).isEqualTo("cgroup"));
  }

  @Test
  void delayacctAddsSysAdminAndNothingElse() throws Exception {
    Container agent = only(render("agent.enableDelayacct=true", "agent.exactAttribution=false"), DaemonSet.class)
        .getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(agent.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN", "SYS_ADMIN");
    assertThat(agent.getArgs()).contains("--enable-delayacct");
  }

  @Test
  void podsGetTheTimeAStopNeedsToDeliverAndKeepTheirState() throws Exception {
    List<HasMetadata> all = render();
    assertThat(only(all, StatefulSet.class).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .as("streams: a clean close takes up to 30 s").isGreaterThanOrEqualTo(45L);
    assertThat(only(all, DaemonSet.class).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .as("agent: a 10 s drain").isGreaterThanOrEqualTo(20L);
  }

  @Test
  void eachStreamsPodAdvertisesItselfThroughTheHeadlessService() throws Exception {
    List<HasMetadata> all = render("streams.replicas=3");
    StatefulSet sts = only(all, StatefulSet.class);
    Service headless = all.stream().filter(Service.class::isInstance).map(Service.class::cast)
        .filter(s -> s.getMetadata().getName().equals(sts.getSpec().getServiceName())).findFirst().orElseThrow();
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(headless.getSpec().getSelector());
    Container c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("POD_NAME");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    });
    // $(POD_NAME).<headless service>.<namespace>.svc.cluster.local is this pod's own DNS name.
    assertThat(c.getArgs()).contains("--advertised-host=$(POD_NAME)." + headless.getMetadata().getName() + "." + NS
        + ".svc.cluster.local");
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    assertThat(c.getArgs()).contains("--standby-replicas=1", "--http-bind=0.0.0.0");
    assertThat(sts.getSpec().getVolumeClaimTemplates()).hasSize(1);
  }

  @Test
  void everyTopicIsReplicatedThreeTimesWithTwoInSyncUnlessToldOtherwise() throws Exception {
    for (String[] v : new String[][] {{"3", "2"}, {"1", "1"}}) {
      List<HasMetadata> all = render("kafka.createTopics.enabled=true", "kafka.topics.replicationFactor=" + v[0],
          "kafka.topics.minInsyncReplicas=" + v[1]);
      Container streams = only(all, StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(streams.getArgs()).contains("--replication-factor=" + v[0], "--min-insync-replicas=" + v[1]);
      Job topics = only(all, Job.class);
      assertThat(String.join(" ", topics.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()))
          .contains("--replication-factor " + v[0], "--config min.insync.replicas=" + v[1]);
    }
    Container defaults = only(render(), StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(defaults.getArgs()).as("the defaults").contains("--replication-factor=3", "--min-insync-replicas=2");
  }

  private static <T> T only(List<HasMetadata> manifests, Class<T> type) {
    List<T> found = manifests.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as("one %s", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  private static List<HasMetadata> render(String... sets) throws Exception {
    List<String> args = new ArrayList<>(List.of("template", "fa", CHART.toString(), "--namespace", NS));
    for (String s : sets) {
      args.addAll(List.of("--set", s));
    }
    String yaml = helm(args.toArray(String[]::new));
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        out.add(Serialization.unmarshal(doc, HasMetadata.class));
      }
    }
    return out;
  }

  /** Paths of fields the model did not know (misspelled or misplaced), found by walking getters. */
  private static List<String> unknownFields(Object o, String path, Map<Object, Boolean> seen) throws Exception {
    List<String> unknown = new ArrayList<>();
    if (o == null || seen.put(o, true) != null) {
      return unknown;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        unknown.addAll(unknownFields(e, path + "[" + i++ + "]", seen));
      }
      return unknown;
    }
    if (o instanceof Map<?, ?> m) {
      for (var e : m.entrySet()) {
        unknown.addAll(unknownFields(e.getValue(), path + "." + e.getKey(), seen));
      }
      return unknown;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return unknown;
    }
    for (Method g : o.getClass().getMethods()) {
      if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getName().equals("getClass")) {
        continue;
      }
      Object v = g.invoke(o);
      if (g.getName().equals("getAdditionalProperties")) {
        ((Map<?, ?>) v).keySet().forEach(k -> unknown.add(path + "." + k));
      } else {
        unknown.addAll(unknownFields(v, path + "." + g.getName().substring(3), seen));
      }
    }
    return unknown;
  }

  private static boolean runs(String binary) {
    try {
      Process p = new ProcessBuilder(binary, "version", "--short").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static String helm(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(helm));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    for (String v : Set.of("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME")) {
      pb.environment().put(v, helmHome.resolve(v.toLowerCase()).toString());
    }
    File err = Files.createTempFile(helmHome, "helm", ".err").toFile();
    Process p = pb.redirectError(err).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", command, Files.readString(err.toPath()) + out).isZero();
    return out;
  }
}
