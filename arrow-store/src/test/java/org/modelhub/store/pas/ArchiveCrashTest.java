package org.modelhub.store.pas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Fsck;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;

/**
 * {@code dlv archive} killed (kill -9) while it writes the new plan's objects: every version
 * still reads bit-exact from the old objects, no plan is recorded, fsck finds only dangling
 * new objects, and the next archive completes.
 */
class ArchiveCrashTest {
  @TempDir Path dir;

  @Test void killedArchiveLosesNothing() throws Exception {
    Path repoDir = dir.resolve("repo");
    List<VersionInfo> vs;
    try (Repository repo = Repository.init(repoDir)) {
      vs = ArchiverTest.snapshots(repo);
    }
    // small packs, so that some are on disk when the child is killed
    Files.writeString(repoDir.resolve(Repository.PROPERTIES), "store.pack.bytes=100000\n",
        StandardOpenOption.APPEND);
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ArchiveInChild.class.getName(), repoDir.toString()).redirectErrorStream(true).start();
    boolean midway = false;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        assertFalse(line.equals("archived"), "the child finished before it was killed");
        if (line.equals("rewriting 30")) {
          midway = true;
          break;
        }
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(midway, "the child never reached the rewriting phase");
    try (Repository repo = Repository.open(repoDir)) {
      ArchiverTest.assertExact(repo, vs);
      assertEquals(0, repo.catalog().queryOne("SELECT COUNT(*) FROM MODELHUB.STORAGE_PLANS",
          rs -> rs.getInt(1)).orElseThrow(), "no plan of the killed archive is recorded");
      Fsck fsck = new Fsck(repo);
      Fsck.Report report = fsck.run(Progress.NONE);
      assertTrue(report.ok(), report.errors().toString());
      assertFalse(report.dangling().isEmpty(), "objects written before the kill are dangling");
      fsck.removeDangling(report);

      Archiver.Report again = new Archiver(repo, new Archiver.Options(3,
          StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
      assertTrue(again.storedAfter() < again.storedBefore(), again.toString());
      ArchiverTest.assertExact(repo, vs);
      Fsck.Report after = fsck.run(Progress.NONE);
      assertTrue(after.ok(), after.errors().toString());
      assertEquals(List.of(), after.dangling());
    }
  }
}
