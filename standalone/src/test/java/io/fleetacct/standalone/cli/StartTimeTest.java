package io.fleetacct.standalone.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartTimeTest {

  @Test
  void theLaunchersStartCountsWhereItIsBeforeTheJvmsElseTheJvmsStart() {
    long jvm = 1_000_000;
    assertThat(StartTime.startMillis("999700", jvm, jvm + 5_000)).as("launcher 300 ms before the JVM").isEqualTo(999_700);
    assertThat(StartTime.startMillis(null, jvm, jvm + 5_000)).as("no launcher").isEqualTo(jvm);
    assertThat(StartTime.startMillis("soon", jvm, jvm + 5_000)).as("not a number").isEqualTo(jvm);
    assertThat(StartTime.startMillis("1000700", jvm, jvm + 5_000))
        .as("after the JVM's start as the kernel says it: that start is built on the boot time in whole seconds")
        .isEqualTo(1_000_700);
    assertThat(StartTime.startMillis("1001100", jvm, jvm + 5_000)).as("over a second after the JVM's start")
        .isEqualTo(jvm);
    assertThat(StartTime.startMillis("1005100", jvm, jvm + 5_000)).as("after now").isEqualTo(jvm);
    assertThat(StartTime.startMillis("1", jvm, jvm + 5_000)).as("an hour-old value left in the environment")
        .isEqualTo(jvm);
  }
}
