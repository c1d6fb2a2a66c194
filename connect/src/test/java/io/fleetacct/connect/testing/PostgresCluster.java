package io.fleetacct.connect.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleetacct.common.io.Directories;
import io.fleetacct.embedded.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private PostgreSQL 15 cluster for one test: initdb into a temporary directory (as the postgres
 * user, with trust authentication), started on 127.0.0.1 and a free port, stopped and deleted on
 * close. Skips the test, saying why, where PostgreSQL or root is missing.
 */
public final class PostgresCluster implements AutoCloseable {

  private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

  private final Path dir;
  private final int port;

  private PostgresCluster(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  public static PostgresCluster start() throws Exception {
    assumeTrue(Files.isExecutable(BIN.resolve("initdb")), "needs PostgreSQL 15 at " + BIN + " (.ci/run installs it)");
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run PostgreSQL as the postgres user");
    Path dir = Files.createTempDirectory("fleetacct-pg-");
    run(List.of("chown", "postgres:postgres", dir.toString()));
    int port = LoopbackPorts.free();
    PostgresCluster pg = new PostgresCluster(dir, port);
    try {
      pg.asPostgres(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust", "-U",
          "postgres", "--no-sync");
      pg.asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
          dir.resolve("server.log").toString(), "-o", "-p " + port + " -k " + dir + " -h 127.0.0.1 -F", "-w", "start");
      return pg;
    } catch (Exception e) {
      pg.close();
      throw e;
    }
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), "postgres", "");
  }

  private void asPostgres(String... command) throws Exception {
    List<String> c = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    c.addAll(List.of(command));
    run(c);
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (Files.exists(dir.resolve("data/postmaster.pid"))) {
        asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w",
            "stop");
      }
    } finally {
      Directories.deleteTree(dir);
    }
  }
}
