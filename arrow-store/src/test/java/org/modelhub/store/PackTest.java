package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.FileObjectStore;
import org.modelhub.store.object.ObjectInfo;
import org.modelhub.store.object.PackFileCheck;
import org.modelhub.store.object.TensorStore;
import org.modelhub.store.pas.Archiver;
import org.modelhub.store.pas.StorageGraph;

/** Packs: the small tensors of a commit or an archive share one Arrow IPC object. */
class PackTest {
  /**
   * A pack's schema (written twice), magic and footer (which has 24 bytes for each record
   * batch): what its tensors' record batches do not account for.
   */
  private static long shared(int batches) {
    return 1000 + 24L * batches;
  }

  @TempDir Path dir;

  @Test void aCommitWritesItsSmallTensorsAsOnePack() throws Exception {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      List<TensorEntry> es = repo.catalog().tensors(v.id());
      FileObjectStore objects = (FileObjectStore) repo.tensorStore().objects();
      assertEquals(List.of(es.get(0).object().objectId()), objects.ids().toList(),
          "one object for the version");
      Set<Integer> batches = new HashSet<>();
      long stored = 0;
      for (TensorEntry e : es) {
        assertTrue(e.object().isPacked(), e.name());
        batches.add(e.object().batch());
        stored += e.object().storedBytes();
        Tensor t = repo.tensor(v, e);
        assertEquals(e.sha256(), Hashing.sha256Hex(t.data()), e.name());
        byte[] all = TensorStore.bytes(t);
        for (int k = 1; k <= 4; k++) {
          byte[] expected = all.clone();
          cut(expected, k);
          assertArrayEquals(expected, repo.tensorStore().top(e.object(), k, e.name()),
              e.name() + " k=" + k);
        }
      }
      assertEquals(es.size(), batches.size(), "a record batch for each tensor");
      long size = objects.size(es.get(0).object().objectId());
      assertTrue(stored <= size && size - stored < shared(es.size()), stored + " of " + size);
      assertEquals(stored, v.storedBytes());

      // Arrow's own reader takes the pack: a record batch per tensor, in the catalog's order
      List<TensorEntry> byBatch = new ArrayList<>(es);
      byBatch.sort(Comparator.comparing(e -> e.object().batch()));
      List<String> cmd = new ArrayList<>(List.of(
          Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
          "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
          System.getProperty("java.class.path"), PackFileCheck.class.getName(),
          objects.path(es.get(0).object().objectId()).toString()));
      byBatch.forEach(e -> cmd.add(Long.toString(e.numValues())));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), out);
      List<String> shas = out.lines().filter(l -> l.matches("[0-9a-f]{64}")).toList();
      assertEquals(byBatch.stream().map(TensorEntry::sha256).toList(), shas, out);
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }

  @Test void theSameTensorsMakeTheSamePack() {
    String[] ids = new String[2];
    for (int i = 0; i < 2; i++) {
      try (Repository repo = Repository.init(dir.resolve("repo" + i))) {
        VersionInfo v = repo.newCommit().model("m" + i).content(TestModels.lenetContent(3))
            .run(Progress.NONE);
        ids[i] = repo.catalog().tensors(v.id()).get(0).object().objectId();
      }
    }
    assertEquals(ids[0], ids[1]);
  }

  @Test void eachWidthOfValuesHasAPack() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      List<Tensor> ts = new ArrayList<>(TestModels.lenetContent(1).tensors());
      ByteBuffer counts = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < 10; i++) {
        counts.putLong(i * 1_000_000_007L);
      }
      ts.set(ts.size() - 1, new Tensor("ip2/b", DType.INT64, new long[] {10}, counts.flip()));
      VersionInfo v = repo.newCommit().model("m")
          .content(new ModelContent(TestModels.lenet(), ts)).run(Progress.NONE);
      Set<String> packs = new HashSet<>();
      for (TensorEntry e : repo.catalog().tensors(v.id())) {
        assertTrue(e.object().isPacked(), e.name());
        packs.add(e.object().objectId());
        assertEquals(e.sha256(), Hashing.sha256Hex(repo.tensor(v, e).data()), e.name());
      }
      assertEquals(2, packs.size(), "float32 values and int64 values");
      assertEquals(2, repo.tensorStore().objects().ids().count());
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }

  @Test void largerTensorsGetObjectsOfTheirOwn() throws IOException {
    Repository.init(dir.resolve("repo")).close();
    setting("store.pack.tensor_bytes=10000");
    try (Repository repo = Repository.open(dir.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      Set<String> packs = new HashSet<>();
      for (TensorEntry e : repo.catalog().tensors(v.id())) {
        ObjectInfo o = e.object();
        assertEquals(o.rawBytes() <= 10000, o.isPacked(), e.name());
        if (o.isPacked()) {
          packs.add(o.objectId());
        } else {
          assertEquals(repo.tensorStore().objects().size(o.objectId()), o.storedBytes());
        }
        assertEquals(e.sha256(), Hashing.sha256Hex(repo.tensor(v, e).data()));
      }
      assertEquals(1, packs.size());
      // conv2/W, ip1/W and ip2/W alone, the rest in one pack
      assertEquals(4, repo.tensorStore().objects().ids().count());
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }

  @Test void archiveLeavesNoPackBehind() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      // six versions of eight tensors, materialised: six packs
      List<VersionInfo> vs = DeltaCommitTestAccess.snapshots(repo);
      assertEquals(vs.size(), repo.tensorStore().objects().ids().count());
      for (double budget : new double[] {3, 1}) {
        Archiver.Report r = new Archiver(repo, new Archiver.Options(budget,
            StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
        r.versions().forEach(vc -> assertTrue(vc.withinBudget(), vc.toString()));
        for (VersionInfo v : vs) {
          for (TensorEntry e : repo.catalog().tensors(v.id())) {
            assertEquals(e.sha256(), Hashing.sha256Hex(repo.tensor(v, e).data()));
          }
        }
        Fsck.Report f = new Fsck(repo).run(Progress.NONE);
        assertTrue(f.ok(), f.errors().toString());
        assertEquals(List.of(), f.dangling(), "budget " + budget);
        // every pack on disk holds only record batches the catalog still names
        Map<String, Long> named = new HashMap<>();
        Map<String, Integer> batches = new HashMap<>();
        for (ObjectInfo o : repo.catalog().objects()) {
          named.merge(o.objectId(), o.storedBytes(), Long::sum);
          batches.merge(o.objectId(), 1, Integer::sum);
        }
        for (String id : repo.tensorStore().objects().ids().toList()) {
          long size = repo.tensorStore().objects().size(id);
          assertTrue(size - named.get(id) < shared(batches.get(id)), id + ": " + named.get(id)
              + " of " + size + " bytes named, budget " + budget);
        }
      }
    }
  }

  @Test void badPackSettingsAreNamed() throws IOException {
    Repository.init(dir.resolve("repo")).close();
    setting("store.pack.bytes=lots");
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> Repository.open(dir.resolve("repo")));
    assertTrue(e.getMessage().contains("store.pack.bytes=lots is not a byte count"),
        e.getMessage());
    setting("store.pack.bytes=1000\nstore.pack.tensor_bytes=99999999999");
    e = assertThrows(ModelHubException.class, () -> Repository.open(dir.resolve("repo")));
    assertTrue(e.getMessage().contains("store.pack.tensor_bytes"), e.getMessage());
    assertFalse(Files.readString(dir.resolve("repo").resolve(Repository.PROPERTIES)).isEmpty());
  }

  private void setting(String line) throws IOException {
    Files.writeString(dir.resolve("repo").resolve(Repository.PROPERTIES), line + "\n",
        StandardOpenOption.APPEND);
  }

  /** Zeroes the planes from k on of little-endian float32 values. */
  private static void cut(byte[] raw, int k) {
    for (int i = 0; i < raw.length; i += 4) {
      for (int p = k; p < 4; p++) {
        raw[i + 3 - p] = 0;
      }
    }
  }
}
