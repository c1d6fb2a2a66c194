package io.fleetacct.agent.command;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A child JVM for {@link CommandKernelTest}: a thread pool of N threads ("pool-1-thread-K") that work, then end. */
public final class NamedThreads {

  private NamedThreads() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    for (int i = 0; i < n; i++) {
      pool.submit(() -> {
        long sum = 0;
        for (int k = 0; k < 1_000_000; k++) {
          sum += k;
        }
        return sum;
      });
    }
    pool.shutdown();
    if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
      System.exit(3);
    }
    System.out.println("threads " + n);
  }
}
