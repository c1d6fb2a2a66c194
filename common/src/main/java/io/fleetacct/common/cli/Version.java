package io.fleetacct.common.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * fleetacct's version, from the manifest of the jar this class was loaded from ("dev" when run
 * from classes); as a picocli version provider, "COMMAND VERSION" for {@code --version}.
 */
public final class Version implements CommandLine.IVersionProvider {

  @CommandLine.Spec
  CommandSpec spec;

  public static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {spec.root().name() + " " + get()};
  }
}
