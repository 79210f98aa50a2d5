package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.CorruptObjectException;
import org.modelhub.store.object.FileObjectStore;
import org.modelhub.store.object.ObjectInfo;

class DeltaCommitTest {
  @TempDir Path dir;

  /** One step of "training": every weight moves a little. */
  static ModelContent step(ModelContent c, long seed) {
    Random r = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : c.tensors()) {
      float[] v = t.toFloats();
      for (int i = 0; i < v.length; i++) {
        v[i] += (float) (r.nextGaussian() * 1e-4);
      }
      out.add(Tensor.ofFloats(t.name(), t.shape(), v));
    }
    return new ModelContent(c.network(), out, c.hyperparams(), c.metrics());
  }

  /**
   * A version stored whole is the next commit's delta base from memory, as a delta version
   * is: with the first version's objects gone from the store, the second still commits as
   * deltas of it.
   */
  @Test void aWholeVersionIsTheNextCommitsBaseFromMemory() throws Exception {
    try (Repository repo = Repository.memory("delta-cache")) {
      ModelContent c = TestModels.lenetContent(1);
      VersionInfo v0 = repo.newCommit().model("lenet").content(c).run(Progress.NONE);
      for (TensorEntry e : repo.catalog().tensors(v0.id())) {
        repo.tensorStore().objects().delete(e.object().objectId());
      }
      VersionInfo v1 = repo.newCommit().model("lenet").content(step(c, 1)).run(Progress.NONE);
      ObjectInfo o = repo.catalog().tensor(v1.id(), "ip1/W").orElseThrow().object();
      assertEquals("delta", o.encoding());
      assertEquals(repo.catalog().tensor(v0.id(), "ip1/W").orElseThrow().sha256(), o.base());
    }
  }

  /**
   * A version read is the base of the next one read: after reading the first version, its
   * objects gone, the second (a delta of it) still reads, without rebuilding the chain.
   */
  @Test void aVersionReadIsTheNextReadsBaseFromMemory() throws Exception {
    Path root = dir.resolve("repo");
    Repository.init(root).close();
    VersionInfo v0;
    VersionInfo v1;
    try (Repository repo = Repository.open(root)) {
      ModelContent c = TestModels.lenetContent(1);
      v0 = repo.newCommit().model("lenet").content(c).run(Progress.NONE);
      v1 = repo.newCommit().model("lenet").content(step(c, 1)).run(Progress.NONE);
    }
    try (Repository repo = Repository.open(root)) {
      TensorEntry w1 = repo.catalog().tensor(v1.id(), "ip1/W").orElseThrow();
      assertEquals("delta", w1.object().encoding());
      repo.content(v0, Progress.NONE);
      FileObjectStore objects = (FileObjectStore) repo.tensorStore().objects();
      for (TensorEntry e : repo.catalog().tensors(v0.id())) {
        Files.deleteIfExists(objects.path(e.object().objectId()));
      }
      assertEquals(w1.sha256(), Hashing.sha256Hex(repo.tensor(v1, w1).data()));
    }
  }

  /** Snapshots become deltas of their parents, read back bit-exact, chains bounded. */
  @Test void snapshotsAreDeltasWithBoundedChains() {
    try (Repository repo = Repository.memory("delta-chain")) {
      repo.catalog().putSetting("pas.max_chain", "2");
      ModelContent c = TestModels.lenetContent(1);
      List<ModelContent> contents = new ArrayList<>();
      List<VersionInfo> versions = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        contents.add(c);
        versions.add(repo.newCommit().model("lenet").message("step " + i).content(c)
            .run(Progress.NONE));
        c = step(c, i);
      }
      int[] depths = new int[5];
      for (int i = 0; i < 5; i++) {
        ObjectInfo o = repo.catalog().tensor(versions.get(i).id(), "ip1/W").orElseThrow()
            .object();
        depths[i] = o.chainDepth();
        if (i > 0 && o.isDelta()) {
          String parentSha = repo.catalog().tensor(versions.get(i - 1).id(), "ip1/W")
              .orElseThrow().sha256();
          assertEquals(parentSha, o.base());
        }
        // every tensor of every version rebuilds its exact values
        for (TensorEntry e : repo.catalog().tensors(versions.get(i).id())) {
          Tensor t = repo.tensor(versions.get(i), e);
          assertEquals(e.sha256(), Hashing.sha256Hex(t.data()));
        }
      }
      assertEquals("[0, 1, 2, 0, 1]", java.util.Arrays.toString(depths));
      ObjectInfo d = repo.catalog().tensor(versions.get(1).id(), "ip1/W").orElseThrow().object();
      assertEquals("delta", d.encoding());
      ObjectInfo m = repo.catalog().tensor(versions.get(0).id(), "ip1/W").orElseThrow().object();
      assertTrue(d.storedBytes() < 0.9 * m.storedBytes(), d + " vs " + m);
      Integer depth = repo.catalog().queryOne("SELECT MAX(CHAIN_DEPTH) FROM MODELHUB.TENSORS",
          rs -> rs.getInt(1)).orElseThrow();
      assertEquals(2, depth);
    }
  }

  /** Unrelated new values are not forced into a delta. */
  @Test void unrelatedValuesStayMaterialised() {
    try (Repository repo = Repository.memory("delta-unrelated")) {
      repo.newCommit().model("m").content(TestModels.lenetContent(1)).run(Progress.NONE);
      VersionInfo v2 = repo.newCommit().model("m").content(TestModels.lenetContent(2))
          .run(Progress.NONE);
      ObjectInfo o = repo.catalog().tensor(v2.id(), "ip1/W").orElseThrow().object();
      assertEquals("planes", o.encoding());
      assertNull(o.base());
    }
  }

  /** A corrupt base fails the read of the delta, naming the version, tensor and base. */
  @Test void corruptBaseIsDetected() throws Exception {
    try (Repository r = Repository.init(dir.resolve("repo"))) {
      ModelContent c = TestModels.lenetContent(1);
      r.newCommit().model("lenet").content(c).run(Progress.NONE);
      r.newCommit().model("lenet").content(step(c, 1)).run(Progress.NONE);
    }
    // a fresh process: no decoded values cached
    try (Repository repo = Repository.open(dir.resolve("repo"))) {
      VersionInfo v1 = repo.resolve("lenet@1");
      VersionInfo v2 = repo.resolve("lenet@2");
      TensorEntry e2 = repo.catalog().tensor(v2.id(), "ip1/W").orElseThrow();
      assertTrue(e2.object().isDelta());
      ObjectInfo base = repo.catalog().tensor(v1.id(), "ip1/W").orElseThrow().object();
      Path file = ((FileObjectStore) repo.tensorStore().objects()).path(base.objectId());
      byte[] bytes = Files.readAllBytes(file);
      bytes[bytes.length / 2] ^= 0x01;
      file.toFile().setWritable(true);
      Files.write(file, bytes);
      CorruptObjectException ex = assertThrows(CorruptObjectException.class,
          () -> repo.tensor(v2, e2));
      assertTrue(ex.getMessage().startsWith("lenet@2 ip1/W (delta base "
          + base.sha256().substring(0, 12) + ")"), ex.getMessage());
      Fsck.Report r = new Fsck(repo).run(Progress.NONE);
      assertTrue(r.errors().stream().anyMatch(s -> s.contains(base.objectId())), r.errors()
          .toString());
    }
  }
}
