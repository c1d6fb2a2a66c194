package io.fleetacct.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClockOffsetTest {

  @Test
  void theOffsetIsTheBrokersTimeLessTheMidpointOfTheRoundTripWithTheShortestRoundTripBest() {
    ClockOffset offset = new ClockOffset();
    assertThat(offset.best()).isNull();
    offset.measured(1_000, 1_100, 301_080); // host 5 min behind, a slow round trip
    offset.measured(2_000, 2_010, 302_004);
    offset.measured(3_000, 3_050, 303_040);
    assertThat(offset.best()).isEqualTo(new ClockOffset.Measured(299_999, 5));
  }

  @Test
  void onlyTheLastMeasurementsCountAndAClockSteppedBackGivesNone() {
    ClockOffset offset = new ClockOffset();
    offset.measured(0, 2, 1); // the best of all, soon forgotten
    for (int i = 1; i <= ClockOffset.KEPT; i++) {
      offset.measured(i * 1_000L, i * 1_000L + 20, i * 1_000L + 10 - 60_000);
    }
    offset.measured(50_000, 49_000, 0); // stepped back: ignored
    assertThat(offset.best()).isEqualTo(new ClockOffset.Measured(-60_000, 10));
  }
}
