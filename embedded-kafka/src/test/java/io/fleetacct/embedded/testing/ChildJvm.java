package io.fleetacct.embedded.testing;

import io.fleetacct.embedded.ParentWatchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command line's main class (the agent's, the streams application's) in a JVM of its own, on
 * this JVM's class path, that a test can kill with SIGKILL, stop with SIGTERM, and that exits by
 * itself should this JVM die (its standard input is a pipe from us; see {@link ParentWatchdog}).
 */
public final class ChildJvm implements AutoCloseable {

  private final String name;
  private final Process process;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
  }

  /**
   * Starts {@code mainClass.main(args)}, output to {@code log}. The JIT and collector are the
   * agent's own (src/main/dist/jvm.options): cheaper on a test machine's two cores than the
   * defaults, and what a node runs; the build's own classes are not verified again at each start.
   */
  public static ChildJvm start(String name, Class<?> mainClass, Path log, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+UnlockDiagnosticVMOptions",
        "-XX:-BytecodeVerificationRemote",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), mainClass.getName()));
    cmd.addAll(List.of(args));
    try {
      return new ChildJvm(name, new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status; only once the process has exited. */
  public int exitValue() {
    return process.exitValue();
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " survived SIGKILL for 30 s");
    }
  }

  /** SIGTERM (a clean stop: the command's shutdown hook runs); SIGKILL after {@code seconds}. */
  public int stop(int seconds) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      kill();
      throw new IllegalStateException(name + " did not stop within " + seconds + " s of SIGTERM; killed");
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /** In the child: the watchdog, then the command's own main. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      ParentWatchdog.start(args[0]);
      String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
      Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) rest);
    }
  }
}
