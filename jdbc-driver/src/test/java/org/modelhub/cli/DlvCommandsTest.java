package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.format.safetensors.SafetensorsExporter;
import org.modelhub.store.model.ModelContent;

/** The git-like workflow end to end through the command line, on safetensors files. */
class DlvCommandsTest {
  @TempDir Path dir;

  private Path export(ModelContent c, String name) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    new SafetensorsExporter().write(c, d);
    return d;
  }

  @Test void initAddCommitListDescDiffLineageCheckoutFsck() throws IOException {
    Path repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    ModelContent c1 = TestModels.lenetContent(1);
    Path v1 = export(c1, "v1");
    Path log = dir.resolve("train.csv");
    Files.writeString(log, "# base_lr = 0.01\n# batch_size = 64\nstep,loss,accuracy\n"
        + "100,2.1,0.3\n200,0.9,0.71\n300,0.35,0.9\n");
    DlvRun add = DlvRun.run(repo, "add", v1.resolve("network.json").toString(),
        v1.resolve("model.safetensors").toString(), log.toString()).expect(0);
    assertTrue(add.out.contains("safetensors network"), add.out);
    assertTrue(add.out.contains("log"), add.out);
    assertTrue(DlvRun.run(repo, "status").expect(0).out.contains("model.safetensors"));
    DlvRun commit = DlvRun.run(repo, "commit", "-m", "trained", "--name", "lenet").expect(0);
    assertTrue(commit.out.startsWith("committed lenet@1"), commit.out);
    assertTrue(DlvRun.run(repo, "status").expect(0).out.contains("nothing staged"));

    // a fine-tune changing the last layer only: one tensor newly stored
    Path v2 = export(TestModels.replace(c1, "ip2/W", 5), "v2");
    DlvRun.run(repo, "add", v2.resolve("network.json").toString(),
        v2.resolve("model.safetensors").toString()).expect(0);
    String c2 = DlvRun.run(repo, "commit", "-m", "fine-tuned ip2").expect(0).out;
    assertTrue(c2.contains("lenet@2") && c2.contains("commit of lenet@1"), c2);
    try (Repository r = Repository.open(repo)) {
      var v = r.resolve("lenet@2");
      long ip2 = r.catalog().tensor(v.id(), "ip2/W").orElseThrow().object().storedBytes();
      assertEquals(ip2, v.storedBytes(), "only ip2/W is stored anew");
    }

    String list = DlvRun.run(repo, "list").expect(0).out;
    assertTrue(list.contains("lenet@1") && list.contains("lenet@2"), list);
    assertTrue(list.lines().anyMatch(l -> l.startsWith("lenet@2") && l.contains("lenet@1")),
        list);

    String desc = DlvRun.run(repo, "desc", "lenet@1").expect(0).out;
    assertTrue(desc.contains("conv1") && desc.contains("CONV") && desc.contains("[20,1,5,5]"),
        desc);
    assertTrue(desc.contains("431,080 parameters"), desc);
    assertTrue(desc.contains("base_lr") && desc.contains("0.01"), desc);
    assertTrue(desc.lines().anyMatch(l -> l.trim().startsWith("loss") && l.contains("100..300")
        && l.contains("2.1") && l.contains("0.35")), desc);
    assertTrue(desc.contains("train.csv"), desc);

    String diff = DlvRun.run(repo, "diff", "lenet@1", "lenet@2").expect(0).out;
    assertTrue(diff.contains("8 names, 7 identical, 1 differ"), diff);
    assertTrue(diff.lines().anyMatch(l -> l.trim().startsWith("ip2/W") && l.contains("changed")
        && l.contains("100.00%")), diff);

    String lineage = DlvRun.run(repo, "lineage", "lenet@1").expect(0).out;
    assertTrue(lineage.contains("`-- [commit] lenet@2"), lineage);

    Path out = dir.resolve("out");
    DlvRun.run(repo, "checkout", "lenet@2", "--out", out.toString()).expect(0);
    assertTrue(Files.exists(out.resolve("model.safetensors")));
    // re-importing the export gives identical tensors: diff finds nothing
    DlvRun.run(repo, "add", out.resolve("network.json").toString(),
        out.resolve("model.safetensors").toString()).expect(0);
    DlvRun.run(repo, "commit", "-m", "re-import").expect(0);
    String same = DlvRun.run(repo, "diff", "lenet@2", "lenet@3").expect(0).out;
    assertTrue(same.contains("8 names, 8 identical, 0 differ"), same);

    String copy = DlvRun.run(repo, "copy", "lenet@2", "lenet-ft").expect(0).out;
    assertTrue(copy.contains("lenet-ft@1") && copy.contains("copy of lenet@2")
        && copy.contains("0 B newly stored"), copy);

    String fsck = DlvRun.run(repo, "fsck").expect(0).out;
    assertTrue(fsck.trim().endsWith("ok"), fsck);
  }

  @Test void usageErrorsExitTwoAndFailuresOne() {
    assertEquals(2, DlvRun.run(null, "commit", "--bogus").code);
    assertEquals(2, DlvRun.run(null, "nosuchcommand").code);
    for (String cmd : List.of("init", "add", "commit", "copy", "list", "desc", "diff",
        "lineage", "checkout", "fsck", "status", "quickstart")) {
      DlvRun help = DlvRun.run(null, cmd, "--help").expect(0);
      assertTrue(help.out.contains("Usage: dlv " + cmd), help.out);
    }
    DlvRun missing = DlvRun.run(dir.resolve("none"), "list").expect(1);
    assertTrue(missing.err.contains("not a ModelHub repository"), missing.err);
  }

  @Test void badInputIsNamedAndChangesNothing() throws IOException {
    Path repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    Path v1 = export(TestModels.lenetContent(1), "v1");
    Path bad = dir.resolve("bad.safetensors");
    byte[] whole = Files.readAllBytes(v1.resolve("model.safetensors"));
    Files.write(bad, java.util.Arrays.copyOf(whole, whole.length / 2));
    DlvRun r = DlvRun.run(repo, "add", v1.resolve("network.json").toString(), bad.toString())
        .expect(1);
    assertTrue(r.err.contains(bad.toString()) && r.err.contains("truncated"), r.err);
    assertTrue(DlvRun.run(repo, "status").expect(0).out.contains("nothing staged"));

    DlvRun unknown = DlvRun.run(repo, "desc", "lenet@4").expect(1);
    assertTrue(unknown.err.contains("unknown version 'lenet@4'"), unknown.err);
    DlvRun nothing = DlvRun.run(repo, "commit", "-m", "x").expect(1);
    assertTrue(nothing.err.contains("nothing to commit"), nothing.err);

    // a file that breaks between add and commit fails the commit; no version appears
    Path good = dir.resolve("later.safetensors");
    Files.copy(v1.resolve("model.safetensors"), good);
    DlvRun.run(repo, "add", v1.resolve("network.json").toString(), good.toString()).expect(0);
    Files.write(good, java.util.Arrays.copyOf(whole, 100));
    DlvRun failed = DlvRun.run(repo, "commit", "-m", "x", "--name", "m").expect(1);
    assertTrue(failed.err.contains(good.toString()), failed.err);
    try (Repository r2 = Repository.open(repo)) {
      assertTrue(r2.catalog().allVersions().isEmpty());
      assertFalse(r2.stage().files().isEmpty(), "the stage is kept for a retry");
    }
    assertTrue(DlvRun.run(repo, "fsck").expect(0).out.trim().endsWith("ok"));
  }
}
