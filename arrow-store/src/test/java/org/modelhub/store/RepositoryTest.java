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
      // flip a bit in the middle of the values buffer
      bytes[bytes.length / 2] ^= 0x10;
      Files.write(obj, bytes);
      ModelHubException ex = assertThrows(ModelHubException.class, () -> repo.tensor(v, e));
      assertTrue(ex.getMessage().contains("m@1 conv1/W"), ex.getMessage());
      Fsck.Report report = new Fsck(repo).run(Progress.NONE);
      assertFalse(report.ok());
      assertTrue(report.errors().get(0).contains(e.object().objectId()), report.errors().toString());
    }
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
