package io.fleetacct.agent.cgroup;

import io.fleetacct.schema.CgroupSource;

/** Where an exit was attributed and how that was found; {@link #NONE} when it was not. */
public record Attribution(Cgroup cgroup, CgroupSource source) {

  public static final Attribution NONE = new Attribution(null, CgroupSource.none);
}
