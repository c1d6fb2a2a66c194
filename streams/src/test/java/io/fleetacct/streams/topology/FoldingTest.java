package io.fleetacct.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How command and thread names fold into bounded keys. */
class FoldingTest {

  private final Folding defaults = Folding.defaults();

  @Test
  void theKernelsOwnThreadsFoldToTheirNameBeforeTheSlash() {
    assertThat(defaults.command("kworker/u16:3")).isEqualTo("kworker/*");
    assertThat(defaults.command("ksoftirqd/0")).isEqualTo("ksoftirqd/*");
    assertThat(defaults.command("irq/24-ahci")).isEqualTo("irq/*");
    assertThat(defaults.command("python3")).as("a program's name is kept").isEqualTo("python3");
    assertThat(defaults.command("C2 CompilerThre")).isEqualTo("C2 CompilerThre");
  }

  @Test
  void threadNamesThatDifferOnlyByNumbersAreOneRow() {
    assertThat(defaults.thread("pool-1-thread-37")).isEqualTo("pool-*-thread-*");
    assertThat(defaults.thread("pool-12-thread-4")).isEqualTo("pool-*-thread-*");
    assertThat(defaults.thread("GC Thread#3")).isEqualTo("GC Thread#*");
    assertThat(defaults.thread("main")).isEqualTo("main");
  }

  @Test
  void userRulesComeFirstAndTheFirstMatchWins() {
    Folding f = Folding.of(List.of(Folding.Rule.parse("(php-fpm)[0-9.]+=$1"), Folding.Rule.parse("php.*=php")),
        List.of(Folding.Rule.parse("tokio-runtime-.*=tokio-runtime")));
    assertThat(f.command("php-fpm8.2")).isEqualTo("php-fpm");
    assertThat(f.command("php8.1")).isEqualTo("php");
    assertThat(f.command("kworker/1:0")).as("the defaults still apply after").isEqualTo("kworker/*");
    assertThat(f.thread("tokio-runtime-w")).isEqualTo("tokio-runtime");
    assertThat(f.thread("worker-2")).as("a name no rule matches has its digits folded").isEqualTo("worker-*");
  }

  @Test
  void aRuleReplacesTheWholeNameOnce() {
    Folding f = Folding.of(List.of(Folding.Rule.parse(".*=all")), List.of());
    assertThat(f.command("anything")).isEqualTo("all");
    assertThat(f.command("")).isEqualTo("all");
  }

  @Test
  void badRulesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Folding.Rule.parse("no-equals")).hasMessageContaining("REGEX=REPLACEMENT");
    assertThatThrownBy(() -> Folding.Rule.parse("=x")).hasMessageContaining("REGEX=REPLACEMENT");
    assertThatThrownBy(() -> Folding.Rule.parse("a[=x")).hasMessageContaining("bad regular expression");
    assertThatThrownBy(() -> Folding.Rule.parse("(a)=$2")).hasMessageContaining("no group 2");
    assertThat(Folding.Rule.parse("a=b=c").toString()).as("the last = separates").isEqualTo("a=b=c");
  }
}
