package org.modelhub.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.pas.Archiver;
import org.modelhub.store.pas.StorageGraph;

/**
 * A catalog of version 3 (saved queries, no PAS columns or storage plans) is brought up to
 * the current version (5) when opened: its objects read as they are, and archive works on it.
 */
class CatalogUpgradeTest {
  @TempDir Path dir;

  @Test void version3CatalogGainsThePasColumnsAndTables() throws Exception {
    Path repoDir = dir.resolve("repo");
    Repository.init(repoDir).close();
    // a version 3 repository stores plain objects, materialised
    Path props = repoDir.resolve("modelhub.properties");
    Files.writeString(props, Files.readString(props).replace("store.encoding=planes",
        "store.encoding=plain"));
    try (Repository r = Repository.open(repoDir)) {
      r.catalog().putSetting("pas.max_chain", "0");
      r.newCommit().model("lenet").content(TestModels.lenetContent(1)).run(Progress.NONE);
      r.newCommit().model("lenet").content(DeltaCommitTestAccess.step(
          TestModels.lenetContent(1), 1)).run(Progress.NONE);
    }
    // take the catalog back to version 3: no PAS columns, no storage plans
    try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + repoDir.resolve("catalog")
        + ";AUTO_SERVER=TRUE", "sa", "");
         Statement s = c.createStatement()) {
      for (String sql : List.of("DROP VIEW MODELHUB.TENSORS", "DROP VIEW TENSORS",
          "DROP VIEW MODELHUB.STORAGE_PLAN_VERSIONS", "DROP VIEW MODELHUB.STORAGE_PLANS",
          "DROP TABLE STORAGE_PLAN_VERSIONS", "DROP TABLE STORAGE_PLANS",
          "DROP INDEX OBJECTS_BASE")) {
        s.execute(sql);
      }
      for (String col : List.of("DELTA_OP", "CHAIN_DEPTH", "PLANE_CODECS", "PLANE_BYTES",
          "PLANE_CRC", "LOSSY", "MAX_ABS_ERROR", "RMSE", "DECODED_SHA256", "OBJECT_BATCH")) {
        s.execute("ALTER TABLE OBJECTS DROP COLUMN " + col);
      }
      s.execute("CREATE VIEW TENSORS AS SELECT t.VERSION_ID, t.NAME, t.LAYER, t.PARAM,"
          + " t.ORDINAL, t.SHAPE, t.DTYPE, t.NUM_VALUES, o.ENCODING, o.COMPRESSION, o.BASE,"
          + " o.RAW_BYTES, o.STORED_BYTES, t.SHA256, o.OBJECT_ID"
          + " FROM TENSOR_ENTRIES t JOIN OBJECTS o ON t.SHA256 = o.SHA256");
      s.execute("UPDATE SETTINGS SET VAL = '3' WHERE NAME = 'catalog.version'");
    }
    try (Repository repo = Repository.open(repoDir)) {
      assertEquals("6", repo.catalog().setting("catalog.version").orElseThrow());
      List<VersionInfo> vs = repo.catalog().allVersions();
      for (VersionInfo v : vs) {
        for (TensorEntry e : repo.catalog().tensors(v.id())) {
          assertEquals(e.sha256(), Hashing.sha256Hex(repo.tensor(v, e).data()));
          assertEquals("plain", e.object().encoding());
          // a plain object has no planes: a progressive read is a verified full read, cut
          assertTrue(Approximation.of(repo, v, e, 2).maxBound() >= 0);
        }
      }
      Archiver.Report r = new Archiver(repo, new Archiver.Options(3,
          StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
      r.versions().forEach(vc -> assertTrue(vc.withinBudget(), vc.toString()));
      assertEquals(2, repo.catalog().queryOne("SELECT COUNT(*) FROM MODELHUB"
          + ".STORAGE_PLAN_VERSIONS", rs -> rs.getInt(1)).orElseThrow());
      assertTrue(new Fsck(repo).run(Progress.NONE).ok());
    }
  }
}
