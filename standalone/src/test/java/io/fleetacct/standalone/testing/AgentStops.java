package io.fleetacct.standalone.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.embedded.testing.ChildJvm;
import io.fleetacct.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An agent child stopped with SIGTERM, and what its last line said it kept and lost. */
public final class AgentStops {

  private static final Pattern STOPPED = Pattern.compile("stopped: exits ([\\d,]+) \\+ samples [\\d,]+"
      + "(?: \\+ [\\d,]+ from the last run's spool)? = records [\\d,]+: delivered ([\\d,]+), waiting ([\\d,]+)"
      + "[^,]*, dropped ([\\d,]+)");

  /** The agent's final account of one run, and how long the stop took. */
  public record Stop(long received, long published, long spooled, long dropped, double seconds) {}

  private AgentStops() {}

  /** SIGTERM, waits for the exit (status 0), and reads the run's last line from {@code log}. */
  public static Stop stop(ChildJvm agent, Path log) throws InterruptedException, IOException {
    long t0 = System.nanoTime();
    int status = agent.stop(120);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(status).as("exit status of an agent stopped by SIGTERM").isZero();
    Matcher m = STOPPED.matcher(Files.readString(log));
    Stop last = null;
    while (m.find()) {
      last = new Stop(number(m.group(1)), number(m.group(2)), number(m.group(3)), number(m.group(4)), seconds);
    }
    assertThat(last).as("the agent's last line in %s", log).isNotNull();
    return last;
  }

  private static long number(String grouped) {
    return Long.parseLong(grouped.replace(",", ""));
  }

  /**
   * Waits until an agent started again on {@code log} has registered with the kernel (it does so
   * before it knows whether Kafka is reachable): one more "registered" line than runs stopped.
   */
  public static void awaitRegistered(Path log) throws Exception {
    long runs = Files.readString(log).lines().filter(l -> l.contains("stopped:")).count();
    Http.await("the restarted agent registered", Duration.ofSeconds(60),
        () -> Files.readString(log).lines().filter(l -> l.contains("registered for exits")).count() > runs);
  }
}
