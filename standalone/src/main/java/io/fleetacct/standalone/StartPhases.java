package io.fleetacct.standalone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** How long each step of a start took, in order: where `up --verbose` says its start went. */
public final class StartPhases {

  /** One step and its time. */
  public record Phase(String name, Duration took) {}

  private final List<Phase> phases = new ArrayList<>();
  private final long began = System.currentTimeMillis();
  private long last = System.nanoTime();

  /** When the first step began, epoch milliseconds. */
  public long began() {
    return began;
  }

  /** Ends the step that began at the last call (or at construction). */
  public synchronized void done(String name) {
    long now = System.nanoTime();
    phases.add(new Phase(name, Duration.ofNanos(now - last)));
    last = now;
  }

  public synchronized List<Phase> phases() {
    return List.copyOf(phases);
  }

  /** E.g. "checks 0.2 s, broker 4.1 s": the steps in order. */
  public String describe() {
    StringJoiner j = new StringJoiner(", ");
    for (Phase p : phases()) {
      j.add(String.format("%s %.1f s", p.name(), p.took().toMillis() / 1e3));
    }
    return j.toString();
  }
}
