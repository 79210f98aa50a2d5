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

  /**
   * A commit writes its small tensors as one pack of planes, and its three tiny biases (at
   * most {@link TensorStore#TINY_VALUES} values) as one byte column each in a pack of their own.
   */
  @Test void aCommitWritesItsSmallTensorsAsPacks() throws Exception {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("m").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      List<TensorEntry> es = repo.catalog().tensors(v.id());
      FileObjectStore objects = (FileObjectStore) repo.tensorStore().objects();
      Map<String, List<TensorEntry>> packs = new java.util.TreeMap<>();
      es.forEach(e -> packs.computeIfAbsent(e.object().objectId(), id -> new ArrayList<>())
          .add(e));
      assertEquals(List.copyOf(packs.keySet()), objects.ids().toList(), "two objects");
      assertEquals(2, packs.size());
      Set<String> batches = new HashSet<>();
      long stored = 0;
      for (TensorEntry e : es) {
        assertTrue(e.object().isPacked(), e.name());
        boolean tiny = e.numValues() <= TensorStore.TINY_VALUES;
        assertEquals(tiny ? 1 : 4, e.object().planeBytes().split(",").length, e.name());
        batches.add(e.object().objectId() + "/" + e.object().batch());
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
      long size = 0;
      for (String id : packs.keySet()) {
        size += objects.size(id);
      }
      assertTrue(stored <= size && size - stored < 2 * shared(es.size()), stored + " of "
          + size);
      assertEquals(stored, v.storedBytes());

      // Arrow's own reader takes each pack: a record batch per tensor, in the catalog's order
      for (List<TensorEntry> pack : packs.values()) {
        List<TensorEntry> byBatch = new ArrayList<>(pack);
        byBatch.sort(Comparator.comparing(e -> e.object().batch()));
        List<String> cmd = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"), PackFileCheck.class.getName(),
            objects.path(pack.get(0).object().objectId()).toString()));
        // a one-column pack holds each tensor's bytes as values of one byte
        byBatch.forEach(e -> cmd.add(Long.toString(e.object().planeBytes().contains(",")
            ? e.numValues() : e.object().rawBytes())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> shas = out.lines().filter(l -> l.matches("[0-9a-f]{64}")).toList();
        assertEquals(byBatch.stream().map(TensorEntry::sha256).toList(), shas, out);
      }
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

  /**
   * Each width of values has a pack: float32 planes, int64 planes (ip2/W as int64 here), and
   * the tiny biases' one-column pack.
   */
  @Test void eachWidthOfValuesHasAPack() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      List<Tensor> ts = new ArrayList<>(TestModels.lenetContent(1).tensors());
      int at = ts.size() - 2;
      Tensor w = ts.get(at);
      ByteBuffer counts = ByteBuffer.allocate(Math.toIntExact(8 * w.numValues()))
          .order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < w.numValues(); i++) {
        counts.putLong(i * 1_000_000_007L);
      }
      ts.set(at, new Tensor(w.name(), DType.INT64, w.shape(), counts.flip()));
      VersionInfo v = repo.newCommit().model("m")
          .content(new ModelContent(TestModels.lenet(), ts)).run(Progress.NONE);
      Map<Integer, String> packs = new HashMap<>();
      for (TensorEntry e : repo.catalog().tensors(v.id())) {
        assertTrue(e.object().isPacked(), e.name());
        int planes = e.object().planeBytes().split(",").length;
        String other = packs.put(planes, e.object().objectId());
        assertTrue(other == null || other.equals(e.object().objectId()), e.name());
        assertEquals(e.sha256(), Hashing.sha256Hex(repo.tensor(v, e).data()), e.name());
      }
      assertEquals(Set.of(1, 4, 8), packs.keySet(), "tiny, float32 and int64 values");
      assertEquals(3, repo.tensorStore().objects().ids().count());
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
      assertEquals(2, packs.size());
      // conv2/W, ip1/W and ip2/W alone, the three tiny biases in a pack, the rest in another
      assertEquals(5, repo.tensorStore().objects().ids().count());
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }

  @Test void archiveLeavesNoPackBehind() throws IOException {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      // six versions of eight tensors, materialised: six packs, and six of tiny biases
      List<VersionInfo> vs = DeltaCommitTestAccess.snapshots(repo);
      assertEquals(2 * vs.size(), repo.tensorStore().objects().ids().count());
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
