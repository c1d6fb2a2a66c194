package io.fleetacct.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cgroup ids are directory inodes: a fake tree of plain directories stands in for cgroup2. */
class CgroupIdsTest {

  @TempDir Path mount;

  private static long ino(Path p) throws Exception {
    return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
  }

  @Test
  void idsOfTheTreeAndOfACgroupMadeLaterAreFound() throws Exception {
    Path a = Files.createDirectories(mount.resolve("kubepods.slice/a.scope"));
    CgroupIds ids = new CgroupIds(mount, false);
    assertThat(ids.cgroup(ino(mount)).path()).isEqualTo("/");
    assertThat(ids.cgroup(ino(a)).path()).isEqualTo("/kubepods.slice/a.scope");
    Path b = Files.createDirectories(mount.resolve("new"));
    Thread.sleep(CgroupIds.WALK_INTERVAL_NANOS / 1_000_000 + 10);
    assertThat(ids.cgroup(ino(b)).path()).isEqualTo("/new");
    assertThat(ids.walks()).isEqualTo(2);
  }

  @Test
  void aRemovedCgroupKeepsItsLastKnownPathAndAnUnknownIdIsCounted() throws Exception {
    Path a = Files.createDirectories(mount.resolve("job"));
    long id = ino(a);
    CgroupIds ids = new CgroupIds(mount, false);
    Files.delete(a);
    assertThat(ids.cgroup(id).path()).isEqualTo("/job");
    Thread.sleep(CgroupIds.WALK_INTERVAL_NANOS / 1_000_000 + 10);
    assertThat(ids.cgroup(Long.MAX_VALUE)).isNull();
    assertThat(ids.unresolved()).isEqualTo(1);
  }

  @Test
  void walksAreRateLimitedForIdsThatNeverResolve() throws Exception {
    CgroupIds ids = new CgroupIds(mount, false);
    Thread.sleep(CgroupIds.WALK_INTERVAL_NANOS / 1_000_000 + 10);
    for (int i = 0; i < 100; i++) {
      assertThat(ids.cgroup(Long.MAX_VALUE - i)).isNull();
    }
    assertThat(ids.walks()).isEqualTo(2);
  }
}
