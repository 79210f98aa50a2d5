package org.modelhub.store;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit killed halfway (kill -9) leaves no version and a repository fsck finds clean; a
 * commit that has returned survives its process being killed at once.
 */
class CommitCrashTest {
  @TempDir Path dir;

  @Test void aReturnedCommitSurvivesTheProcessKilledAtOnce() throws Exception {
    Path repoDir = dir.resolve("repo");
    Repository.init(repoDir).close();
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CommitThenHalt.class.getName(), repoDir.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertTrue(out.contains("committed"), out);
    try (Repository repo = Repository.open(repoDir)) {
      assertEquals(1, repo.catalog().allVersions().size(), "the returned commit is there");
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }

  @Test void killedCommitLeavesNoVersion() throws Exception {
    Path repoDir = dir.resolve("repo");
    Repository.init(repoDir).close();
    // a pack written as soon as a tensor waits: the tensors stored are on disk when the child
    // is killed
    Files.writeString(repoDir.resolve(Repository.PROPERTIES), "store.pack.bytes=1\n",
        StandardOpenOption.APPEND);
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CommitInChild.class.getName(), repoDir.toString()).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.equals("stored 5")) {
          break;
        }
        assertFalse(line.equals("committed"), "the child finished before it was killed");
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    try (Repository repo = Repository.open(repoDir)) {
      assertTrue(repo.catalog().allVersions().isEmpty(), "no partial version is visible");
      assertTrue(repo.catalog().models().isEmpty());
      Fsck fsck = new Fsck(repo);
      Fsck.Report report = fsck.run(Progress.NONE);
      assertTrue(report.ok(), report.errors().toString());
      assertFalse(report.dangling().isEmpty(), "objects written before the kill are dangling");
      fsck.removeDangling(report);
      Fsck.Report after = fsck.run(Progress.NONE);
      assertTrue(after.ok());
      assertEquals(0, after.dangling().size());
      assertEquals(0, after.temporaries());
      // the repository takes the next commit normally
      assertEquals("m@1", repo.newCommit().model("m").content(TestModels.lenetContent(1))
          .run(Progress.NONE).label());
    }
  }
}
