package org.modelhub.store.pas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.DeltaCommitTestAccess;
import org.modelhub.store.Fsck;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.LossyScheme;
import org.modelhub.store.object.ObjectInfo;

class ArchiverTest {
  @TempDir Path dir;

  /** Six training snapshots committed materialised (pas.max_chain 0). */
  static List<VersionInfo> snapshots(Repository repo) {
    return DeltaCommitTestAccess.snapshots(repo);
  }

  static void assertExact(Repository repo, List<VersionInfo> vs) {
    for (VersionInfo v : vs) {
      for (TensorEntry e : repo.catalog().tensors(v.id())) {
        Tensor t = repo.tensor(v, e);
        assertEquals(e.sha256(), Hashing.sha256Hex(t.data()), v.label() + " " + e.name());
      }
    }
  }

  @Test void archiveStoresLessWithinBudgetsAndStaysExact() {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      List<VersionInfo> vs = snapshots(repo);
      Archiver.Report r = new Archiver(repo, new Archiver.Options(3,
          StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
      assertTrue(r.storedAfter() < 0.9 * r.storedBefore(), r.toString());
      assertTrue(r.mstBytes() <= r.planBytes() && r.planBytes() <= r.sptBytes(), r.toString());
      assertTrue(r.rewritten() > 0);
      assertEquals(6, r.versions().size());
      r.versions().forEach(vc -> assertTrue(vc.withinBudget(), vc.toString()));
      assertTrue(r.versions().stream().anyMatch(vc -> vc.maxChain() > 0));
      assertExact(repo, vs);
      // the plan is in SQL, and the old objects are gone
      assertEquals(6, repo.catalog().queryOne("SELECT COUNT(*) FROM MODELHUB.STORAGE_PLAN_VERSIONS"
          + " WHERE PLAN_ID = ?", rs -> rs.getInt(1), r.planId()).orElseThrow());
      Fsck.Report f = new Fsck(repo).run(Progress.NONE);
      assertTrue(f.ok(), f.errors().toString());
      assertEquals(List.of(), f.dangling());
      long stored = repo.catalog().queryOne("SELECT SUM(STORED_BYTES) FROM MODELHUB.VERSIONS",
          rs -> rs.getLong(1)).orElseThrow();
      assertEquals(r.storedAfter(), stored);

      // recreated in parallel, a version costs as much as its largest tensor: small ones
      // may keep chains within a budget of 1
      Archiver.Report parallel = new Archiver(repo, new Archiver.Options(1,
          StorageGraph.Scheme.PARALLEL, null, List.of())).run(Progress.NONE);
      parallel.versions().forEach(vc -> assertTrue(vc.withinBudget(), vc.toString()));
      assertExact(repo, vs);
      // one after another, a budget of 1 materialises everything again
      Archiver.Report flat = new Archiver(repo, new Archiver.Options(1,
          StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
      flat.versions().forEach(vc -> assertEquals(0, vc.maxChain(), vc.toString()));
      assertTrue(flat.storedAfter() > r.storedAfter());
      assertExact(repo, vs);
    }
  }

  @Test void lossyArchiveRecordsItsErrorAndExactValuesComeBack() {
    try (Repository repo = Repository.init(dir.resolve("repo"))) {
      List<VersionInfo> vs = snapshots(repo);
      Archiver.Report r = new Archiver(repo, new Archiver.Options(2,
          StorageGraph.Scheme.INDEPENDENT, LossyScheme.parse("bfloat16"),
          List.of(vs.get(0)))).run(Progress.NONE);
      assertEquals(8, r.lossyObjects());
      TensorEntry e = repo.catalog().tensor(vs.get(0).id(), "ip1/W").orElseThrow();
      ObjectInfo o = e.object();
      assertEquals("bfloat16", o.lossy());
      assertTrue(o.maxAbsError() > 0 && o.rmse() > 0 && o.rmse() <= o.maxAbsError());
      Tensor approx = repo.tensor(vs.get(0), e);
      assertNotEquals(e.sha256(), approx.sha256());
      float[] exact = TestModels.lenetContent(1).tensors().get(4).toFloats();
      float[] got = approx.toFloats();
      double max = 0;
      for (int i = 0; i < got.length; i++) {
        max = Math.max(max, Math.abs((double) got[i] - exact[i]));
      }
      assertEquals(o.maxAbsError(), max, 0.0);
      assertEquals("bfloat16", repo.catalog().queryOne("SELECT LOSSY FROM MODELHUB.TENSORS"
          + " WHERE VERSION_ID = ? AND NAME = 'ip1/W'", rs -> rs.getString(1),
          vs.get(0).id()).orElseThrow());
      assertExact(repo, vs.subList(1, vs.size()));
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
      // committing the exact values again brings the lossless object back
      VersionInfo again = repo.newCommit().model("lenet").content(TestModels.lenetContent(1))
          .run(Progress.NONE);
      TensorEntry back = repo.catalog().tensor(again.id(), "ip1/W").orElseThrow();
      assertEquals(null, back.object().lossy());
      assertEquals(back.sha256(), repo.tensor(again, back).sha256());
      assertEquals(back.sha256(), Hashing.sha256Hex(repo.tensor(vs.get(0),
          repo.catalog().tensor(vs.get(0).id(), "ip1/W").orElseThrow()).data()));
    }
  }
}
