package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;

/**
 * How separate {@code dlv} processes find and share a repository: {@code .dlv} in a parent
 * folder, {@code MODELHUB_REPO}, and a reader running while another process holds it open.
 */
class DiscoveryAndSharingTest {
  @TempDir Path dir;

  private record Run(int code, String out) { }

  private static Run dlv(Path cwd, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Dlv.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectErrorStream(true);
    pb.environment().remove("MODELHUB_REPO");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out);
  }

  @Test void findsTheRepositoryAndSharesIt() throws Exception {
    Path project = dir.resolve("project");
    Path sub = Files.createDirectories(project.resolve("src/deep"));
    Run init = dlv(project, Map.of(), "init");
    assertEquals(0, init.code(), init.out());
    assertTrue(Files.exists(project.resolve(".dlv/modelhub.properties")));

    try (Repository repo = Repository.open(project.resolve(".dlv"))) {
      repo.newCommit().model("lenet").message("first").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      // while this process holds the catalog, other processes read it through H2's server
      Run fromParent = dlv(sub, Map.of(), "list");
      assertEquals(0, fromParent.code(), fromParent.out());
      assertTrue(fromParent.out().contains("lenet@1"), fromParent.out());

      Run byEnv = dlv(dir, Map.of("MODELHUB_REPO", project.toString()), "desc", "lenet");
      assertEquals(0, byEnv.code(), byEnv.out());
      assertTrue(byEnv.out().contains("lenet@1"), byEnv.out());
    }
    Run nowhere = dlv(dir, Map.of(), "list");
    assertEquals(1, nowhere.code(), nowhere.out());
    assertTrue(nowhere.out().contains("no repository found"), nowhere.out());
    Run missing = dlv(dir, Map.of("MODELHUB_REPO", dir.resolve("gone").toString()), "list");
    assertEquals(1, missing.code(), missing.out());
    assertTrue(missing.out().contains("not a ModelHub repository"), missing.out());
  }

  @Test void aCommitOfOnlyALogKeepsNetworkWeightsAndFiles() throws Exception {
    Path repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    Path files = Files.createDirectories(dir.resolve("files"));
    new org.modelhub.store.format.safetensors.SafetensorsExporter()
        .write(TestModels.lenetContent(1), files);
    Path notes = Files.writeString(files.resolve("README.txt"), "LeNet, generated");
    DlvRun.run(repo, "add", files.resolve("network.json").toString(),
        files.resolve("model.safetensors").toString(), notes.toString()).expect(0);
    DlvRun.run(repo, "commit", "-m", "weights", "--name", "lenet").expect(0);
    Path log = Files.writeString(dir.resolve("eval.jsonl"),
        "{\"step\": 1, \"accuracy\": 0.91}\n{\"step\": 2, \"accuracy\": 0.93}\n");
    DlvRun.run(repo, "add", log.toString()).expect(0);
    String c = DlvRun.run(repo, "commit", "-m", "evaluation log").expect(0).out;
    assertTrue(c.contains("lenet@2") && c.contains("0 B newly stored"), c);
    String desc = DlvRun.run(repo, "desc", "lenet@2").expect(0).out;
    assertTrue(desc.contains("431,080 parameters") && desc.contains("README.txt")
        && desc.contains("eval.jsonl"), desc);
    assertTrue(desc.lines().anyMatch(l -> l.trim().startsWith("accuracy")
        && l.contains("1..2")), desc);
  }
}
