package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuListTest {

  @Test
  void parsesRangesAndSinglesAndPrintsThemBack() {
    CpuList l = CpuList.parse("0-3,8-11,16\n");
    assertThat(l.cpus()).containsExactly(0, 1, 2, 3, 8, 9, 10, 11, 16);
    assertThat(l).hasToString("0-3,8-11,16");
  }

  @Test
  void splitsIntoConsecutiveEvenGroups() {
    assertThat(CpuList.parse("0-7").split(4)).extracting(CpuList::toString).containsExactly("0-1", "2-3", "4-5", "6-7");
    assertThat(CpuList.parse("0-1").split(8)).extracting(CpuList::toString).containsExactly("0", "1");
    assertThat(CpuList.parse("0-2").split(1)).extracting(CpuList::toString).containsExactly("0-2");
  }

  @Test
  void badListsSayWhatIsWrong() {
    assertThatThrownBy(() -> CpuList.parse("abc")).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> CpuList.parse("3-1")).hasMessageContaining("backwards");
    assertThatThrownBy(() -> CpuList.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> CpuList.parse("1-2-3")).hasMessageContaining("1-2-3");
  }

  @Test
  void containment() {
    assertThat(CpuList.parse("0-3").containsAll(CpuList.parse("1,3"))).isTrue();
    assertThat(CpuList.parse("0-3").containsAll(CpuList.parse("4"))).isFalse();
    assertThat(CpuList.parse("0,2").cpus()).isEqualTo(List.of(0, 2));
  }
}
