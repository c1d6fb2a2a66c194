package io.fleetacct.agent.host;

import java.nio.file.Path;

/**
 * Where the host's kernel interfaces are: its procfs and sysfs. Made once at start ({@link #real()})
 * and handed to every reader of them, so that each reads a fake tree in a unit test. Every path
 * the agent reads below them is named here.
 */
public record HostRoot(Path proc, Path sys) {

  /** The running kernel's: /proc and /sys. */
  public static HostRoot real() {
    return new HostRoot(Path.of("/proc"), Path.of("/sys"));
  }

  /** A fake tree: {@code dir}/proc and {@code dir}/sys. */
  public static HostRoot under(Path dir) {
    return new HostRoot(dir.resolve("proc"), dir.resolve("sys"));
  }

  /** /proc/sys/kernel: host name, boot id, release, task_delayacct. */
  public Path sysctlKernel() {
    return proc.resolve("sys/kernel");
  }

  /** A file of this process: /proc/self/{@code name}. */
  public Path self(String name) {
    return proc.resolve("self").resolve(name);
  }

  /** A namespace link of a process: /proc/{@code pid}/ns/{@code ns} ("self" for this one). */
  public Path namespace(String pid, String ns) {
    return proc.resolve(pid).resolve("ns").resolve(ns);
  }

  /** The CPUs the kernel could ever bring online. */
  public Path possibleCpus() {
    return sys.resolve("devices/system/cpu/possible");
  }

  /** /proc/version: the running kernel's build (release, compiler, build number and date). */
  public Path kernelVersion() {
    return proc.resolve("version");
  }

  /** The kernel's own BTF (type information), where it publishes it. */
  public Path vmlinuxBtf() {
    return sys.resolve("kernel/btf/vmlinux");
  }
}
