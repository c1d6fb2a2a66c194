package io.fleetacct.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartPhasesTest {

  @Test
  void eachStepEndsWhereTheNextBeginsAndIsDescribedInOrder() throws Exception {
    StartPhases phases = new StartPhases();
    long before = System.currentTimeMillis();
    Thread.sleep(30);
    phases.done("broker");
    phases.done("streams");

    assertThat(phases.began()).isLessThanOrEqualTo(before);
    assertThat(phases.phases()).extracting(StartPhases.Phase::name).containsExactly("broker", "streams");
    assertThat(phases.phases().get(0).took().toMillis()).isGreaterThanOrEqualTo(30);
    assertThat(phases.describe()).matches("broker 0\\.\\d s, streams 0\\.\\d s");
  }
}
