package io.fleetacct.standalone.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1, made by the JDK's keytool for one test: the broker's
 * PKCS12 keystore and a truststore holding only that certificate.
 */
public record TestCertificates(Path keystore, Path truststore, String password) {

  public static TestCertificates generate(Path dir, String password) throws IOException, InterruptedException {
    Path keystore = dir.resolve("broker.p12");
    Path cert = dir.resolve("broker.crt");
    Path truststore = dir.resolve("truststore.p12");
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "SAN=IP:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", password, "-keypass", password);
    keytool("-exportcert", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", password,
        "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(), "-storetype", "PKCS12",
        "-keystore", truststore.toString(), "-storepass", password);
    return new TestCertificates(keystore, truststore, password);
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + out);
    }
  }
}
