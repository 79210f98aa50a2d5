package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.ObjectInfo;

class RepositoryTest {
  @TempDir Path dir;

  @Test void commitsReadsBackAndDedups() {
    ModelContent c1 = TestModels.lenetContent(1);
    ModelContent c2 = TestModels.replace(c1, "ip2/W", 99);
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      VersionInfo v1 = repo.newCommit().model("lenet").message("first").content(c1)
          .run(Progress.NONE);
      VersionInfo v2 = repo.newCommit().model("lenet").message("fine-tune").content(c2)
          .run(Progress.NONE);
      assertEquals("lenet@1", v1.label());
      assertEquals("lenet@2", v2.label());
      assertEquals(c1.numParams(), v1.numParams());
      assertTrue(v1.storedBytes() > 0);
      // only ip2/W is new in v2: its stored bytes are one tensor's
      long ip2 = repo.catalog().tensor(v2.id(), "ip2/W").orElseThrow().object().storedBytes();
      assertEquals(ip2, v2.storedBytes());
      assertEquals(List.of(new LineageEdge(v1.id(), v2.id(), "commit", 0)),
          repo.catalog().parents(v2.id()));
      ModelContent back = repo.content(v2, Progress.NONE);
      assertEquals(c2.network(), back.network());
      for (int i = 0; i < c2.tensors().size(); i++) {
        Tensor t = c2.tensors().get(i);
        assertEquals(t.sha256(), back.tensors().get(i).sha256(), t.name());
        assertEquals(Tensor.shapeString(t.shape()),
            Tensor.shapeString(back.tensors().get(i).shape()));
      }
      assertEquals("0.01", repo.catalog().hyperparams(v1.id()).get("base_lr"));
    }
    try (Repository repo = Repository.open(dir.resolve("repo"))) {
      assertEquals("lenet@2", repo.resolve("lenet").label());
      assertEquals("lenet@1", repo.resolve("lenet@1").label());
      VersionInfo v1 = repo.resolve("lenet@1");
      assertEquals(v1.id(), repo.resolve(v1.shortId()).id());
      assertEquals(v1.id(), repo.resolve(v1.id().substring(0, 6)).id());
      ModelHubException e = assertThrows(ModelHubException.class, () -> repo.resolve("lenet@7"));
      assertTrue(e.getMessage().contains("has versions 1..2"), e.getMessage());
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }

  @Test void corruptObjectIsDetectedOnRead() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(2))
          .run(Progress.NONE);
      TensorEntry e = repo.catalog().tensor(v.id(), "conv1/W").orElseThrow();
      Path obj = dir.resolve("repo/objects").resolve(e.object().objectId().substring(0, 2))
          .resolve(e.object().objectId().substring(2));
      byte[] bytes = Files.readAllBytes(obj);
      // flip a bit in eight bytes in the middle of the planes (Arrow pads buffers to 8 bytes,
      // with bytes no reader looks at: one of eight is a plane's or its offsets')
      for (int i = bytes.length / 2; i < bytes.length / 2 + 8; i++) {
        bytes[i] ^= 0x10;
      }
      Files.write(obj, bytes);
      // the version's tensors share the object: a read of any that the flipped bits reach
      // fails, naming it
      int failed = 0;
      for (TensorEntry t : repo.catalog().tensors(v.id())) {
        try {
          repo.tensor(v, t);
        } catch (ModelHubException ex) {
          assertTrue(ex.getMessage().contains("m@1 " + t.name()), ex.getMessage());
          failed++;
        }
      }
      assertTrue(failed > 0, "no read noticed the flipped bits");
      Fsck.Report report = new Fsck(repo).run(Progress.NONE);
      assertFalse(report.ok());
      assertTrue(report.errors().get(0).contains(e.object().objectId()), report.errors().toString());
    }
  }

  @Test void refsPrefixesAndDiscovery() throws IOException {
    Path root = dir.resolve("project");
    try (Repository repo = Repository.init(root.resolve(Repository.DIR_NAME))) {
      // enough versions that some 1-hex-digit id prefixes are shared
      for (int i = 0; i < 40; i++) {
        repo.newCommit().model("m").message("v" + i).content(TestModels.lenetContent(1))
            .run(Progress.NONE);
      }
      for (String bad : List.of("m@0", "m@41", "m@99999999999", "m@", "x@1", "nomodel")) {
        ModelHubException e = assertThrows(ModelHubException.class, () -> repo.resolve(bad));
        assertTrue(e.getMessage().startsWith("unknown version"), e.getMessage());
      }
      String id = repo.resolve("m@7").id();
      String shared = null;
      for (VersionInfo v : repo.catalog().allVersions()) {
        if (!v.id().equals(id) && v.id().substring(0, 4).equals(id.substring(0, 4))) {
          shared = id.substring(0, 4);
        }
      }
      if (shared != null) {
        String prefix = shared;
        ModelHubException e = assertThrows(ModelHubException.class, () -> repo.resolve(prefix));
        assertTrue(e.getMessage().startsWith("ambiguous version"), e.getMessage());
      }
      assertEquals(id, repo.resolve(id.substring(0, 12).toUpperCase(java.util.Locale.ROOT))
          .id());
    }
    Path deep = Files.createDirectories(root.resolve("a/b/c"));
    assertEquals(root.resolve(Repository.DIR_NAME).toAbsolutePath(),
        Repository.discover(deep).orElseThrow());
    assertTrue(Repository.discover(dir).isEmpty());
  }

  @Test void parentsKindsAndFileNames() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      VersionInfo a = repo.newCommit().model("a").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      repo.newCommit().model("b").content(TestModels.lenetContent(2)).run(Progress.NONE);
      // the head model is now b, but a version with a parent joins the parent's model
      VersionInfo a2 = repo.newCommit().parent(a, "fine-tune").parent(a, "fine-tune")
          .content(TestModels.lenetContent(3)).run(Progress.NONE);
      assertEquals("a@2", a2.label());
      assertEquals(1, repo.catalog().parents(a2.id()).size(), "duplicate parent kept once");
      ModelHubException kind = assertThrows(ModelHubException.class,
          () -> repo.newCommit().parent(a, "bogus"));
      assertTrue(kind.getMessage().contains("unknown lineage kind 'bogus'"), kind.getMessage());
      Path x = Files.createDirectories(dir.resolve("x")).resolve("notes.md");
      Path y = Files.createDirectories(dir.resolve("y")).resolve("notes.md");
      Files.writeString(x, "x");
      Files.writeString(y, "y");
      ModelHubException clash = assertThrows(ModelHubException.class,
          () -> repo.newCommit().file("notes.md", x).file("notes.md", y));
      assertTrue(clash.getMessage().contains("both be recorded as 'notes.md'"),
          clash.getMessage());
      ModelHubException copy = assertThrows(ModelHubException.class,
          () -> repo.copy(a, "b", null));
      assertTrue(copy.getMessage().contains("model 'b' already exists"), copy.getMessage());
    }
  }

  @Test void checkoutRefusesFullFoldersAndCorruptFiles() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      Path notes = dir.resolve("notes.md");
      Files.writeString(notes, "trained on MNIST");
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(1))
          .file("notes.md", notes).run(Progress.NONE);
      Path out = Files.createDirectories(dir.resolve("out"));
      Files.writeString(out.resolve("mine.txt"), "keep me");
      ModelHubException full = assertThrows(ModelHubException.class,
          () -> Checkout.run(repo, v, "safetensors", out, false, Progress.NONE));
      assertTrue(full.getMessage().contains("not empty"), full.getMessage());
      Checkout.run(repo, v, "safetensors", out, true, Progress.NONE);
      assertEquals("keep me", Files.readString(out.resolve("mine.txt")));
      assertEquals("trained on MNIST", Files.readString(out.resolve("notes.md")));

      String blob = repo.catalog().files(v.id()).get(0).sha256();
      Path stored = dir.resolve("repo/blobs").resolve(blob.substring(0, 2))
          .resolve(blob.substring(2));
      Files.writeString(stored, "tampered");
      Path out2 = dir.resolve("out2");
      ModelHubException corrupt = assertThrows(ModelHubException.class,
          () -> Checkout.run(repo, v, "safetensors", out2, false, Progress.NONE));
      assertTrue(corrupt.getMessage().contains("notes.md of m@1")
          && corrupt.getMessage().contains("corrupt"), corrupt.getMessage());
      assertTrue(Files.notExists(out2), "a failed checkout leaves nothing behind");
      try (var left = Files.list(dir)) {
        assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".checkout-")));
      }
    }
  }

  @Test void fsckFindsAMissingObject() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      ObjectInfo o = repo.catalog().tensor(v.id(), "ip1/W").orElseThrow().object();
      String obj = o.objectId();
      Files.delete(dir.resolve("repo/objects").resolve(obj.substring(0, 2))
          .resolve(obj.substring(2)));
      Fsck.Report r = new Fsck(repo).run(Progress.NONE);
      assertFalse(r.ok());
      // the version's tensors but its tiny biases share one pack: each is named
      assertTrue(o.isPacked(), o.toString());
      assertTrue(r.errors().contains("object " + obj + " batch " + o.batch() + " (tensor values "
          + o.sha256().substring(0, 12) + "): missing"), r.errors().toString());
      long inPack = repo.catalog().tensors(v.id()).stream()
          .filter(e -> e.object().objectId().equals(obj)).count();
      assertEquals(inPack, r.errors().size(), r.errors().toString());
      assertEquals(repo.catalog().tensors(v.id()).size() - 3, inPack);
    }
  }

  @Test void pathsWithSemicolonsAreRefused() {
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> Repository.init(dir.resolve("a;b")));
    assertTrue(e.getMessage().contains("contains ';'"), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("a;b")));
  }

  @Test void unknownRepositoryIsAClearError() {
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> Repository.open(dir.resolve("nothing")));
    assertTrue(e.getMessage().contains("not a ModelHub repository"), e.getMessage());
  }

  @Test void memoryRepository() {
    try (Repository repo = Repository.memory("t1")) {
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(3))
          .run(Progress.NONE);
      assertEquals(9, repo.network(v).layers().size());
      assertEquals(TestModels.lenetContent(3).tensors().get(4).sha256(),
          repo.content(v, Progress.NONE).tensors().get(4).sha256());
    }
  }
}
