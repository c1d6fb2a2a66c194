package io.fleetacct.agent.command;

import io.fleetacct.schema.CommandSource;
import java.util.Arrays;

/**
 * The commands of kernel comms ({@code char comm[16]}) as one receive thread meets them, made once
 * each: a fork storm repeats a handful of names, and an exit then costs no String. Not thread-safe:
 * one per thread.
 */
public final class KernelComms {

  private static final int SLOTS = 256;

  private final CommandSource source;
  private final byte[][] keys = new byte[SLOTS][];
  private final Command[] commands = new Command[SLOTS];

  public KernelComms(CommandSource source) {
    this.source = source;
  }

  /** The command of {@code comm} (NUL-padded), or null when it is empty. */
  public Command of(byte[] comm) {
    int hash = 1;
    for (byte b : comm) {
      hash = 31 * hash + b;
    }
    int slot = (hash ^ hash >>> 16) & (SLOTS - 1);
    byte[] key = keys[slot];
    if (key != null && Arrays.equals(key, comm)) {
      return commands[slot];
    }
    String name = Command.name(comm);
    if (name == null) {
      return null;
    }
    keys[slot] = comm.clone();
    commands[slot] = new Command(name, source);
    return commands[slot];
  }
}
