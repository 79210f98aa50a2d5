package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.DeltaCommitTestAccess;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.safetensors.SafetensorsImporter;
import org.modelhub.store.format.safetensors.SafetensorsExporter;
import org.modelhub.store.model.ModelContent;

/** PAS through the command line and SQL: archive, progressive checkout, WEIGHTS_APPROX. */
class ArchiveCliTest {
  @TempDir Path dir;

  private Path repoWithSnapshots() throws IOException {
    Path repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    ModelContent c = TestModels.lenetContent(1);
    for (int i = 0; i < 4; i++) {
      Path d = Files.createDirectories(dir.resolve("s" + i));
      new SafetensorsExporter().write(c, d);
      DlvRun.run(repo, "add", d.resolve("network.json").toString(),
          d.resolve("model.safetensors").toString()).expect(0);
      DlvRun.run(repo, "commit", "-m", "snapshot " + i, "--name", "lenet").expect(0);
      c = DeltaCommitTestAccess.step(c, i);
    }
    return repo;
  }

  @Test void archiveReportsBudgetsAndThePlanIsInSql() throws Exception {
    Path repo = repoWithSnapshots();
    DlvRun r = DlvRun.run(repo, "archive", "--budget", "3").expect(0);
    assertTrue(r.out.contains("storage plan 1 (PAS-"), r.out);
    assertTrue(r.out.contains("stored before") && r.out.contains("stored after"), r.out);
    assertTrue(r.out.contains("lenet@4"), r.out);
    assertTrue(DlvRun.run(repo, "fsck").expect(0).out.contains("ok"));
    String q = DlvRun.run(repo, "query", "--format", "csv",
        "SELECT p.ALGORITHM, COUNT(*) FROM STORAGE_PLANS p JOIN STORAGE_PLAN_VERSIONS v"
            + " ON v.PLAN_ID = p.ID GROUP BY p.ALGORITHM").expect(0).out;
    assertTrue(q.contains(",4"), q);
    String t = DlvRun.run(repo, "query", "--format", "csv",
        "SELECT COUNT(*) FROM TENSORS WHERE ENCODING = 'delta' AND BASE IS NOT NULL").expect(0)
        .out;
    assertTrue(!t.trim().endsWith("\n0") && !t.trim().endsWith(",0"), t);

    DlvRun bad = DlvRun.run(repo, "archive", "--budget", "0.5").expect(1);
    assertTrue(bad.err.contains("--budget must be at least 1"), bad.err);
    DlvRun badScheme = DlvRun.run(repo, "archive", "--scheme", "serial").expect(1);
    assertTrue(badScheme.err.contains("unknown scheme 'serial'"), badScheme.err);

    DlvRun lossy = DlvRun.run(repo, "archive", "--lossy", "quant8", "--only", "lenet@1")
        .expect(0);
    assertTrue(lossy.out.contains("lossy quant8"), lossy.out);
    DlvRun co = DlvRun.run(repo, "checkout", "lenet@1", "--format", "safetensors", "--out",
        dir.resolve("lossy-out").toString()).expect(0);
    assertTrue(co.out.contains("stored lossy"), co.out);
  }

  @Test void progressiveCheckoutAndWeightsApprox() throws Exception {
    Path repo = repoWithSnapshots();
    DlvRun co = DlvRun.run(repo, "checkout", "lenet@3", "--planes", "2", "--format",
        "safetensors", "--out", dir.resolve("approx").toString()).expect(0);
    assertTrue(co.out.contains("values are approximate: top 2 of 4"), co.out);
    ModelContent approx = new SafetensorsImporter().read(new ImportInput(
        java.util.List.of(dir.resolve("approx/network.json")),
        java.util.List.of(dir.resolve("approx/model.safetensors")), java.util.List.of(),
        java.util.Optional.empty()));
    ModelContent exact;
    try (Repository r = Repository.open(repo)) {
      exact = r.content(r.resolve("lenet@3"), org.modelhub.store.Progress.NONE);
    }
    for (int i = 0; i < exact.tensors().size(); i++) {
      float[] a = approx.tensors().get(i).toFloats();
      float[] e = exact.tensors().get(i).toFloats();
      for (int j = 0; j < e.length; j++) {
        // two planes keep 7 mantissa bits: the midpoint is within 2^-8 of the value
        assertTrue(Math.abs(a[j] - e[j]) <= Math.abs(e[j]) * 0x1p-8, a[j] + " vs " + e[j]);
      }
    }
    DlvRun.run(repo, "checkout", "lenet@3", "--planes", "5", "--out",
        dir.resolve("x").toString()).expect(1);

    try (Connection c = DriverManager.getConnection("jdbc:modelhub:" + repo);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*), MAX(a.ERROR_BOUND),"
             + " SUM(CASE WHEN ABS(a.WEIGHT - w.WEIGHT) > a.ERROR_BOUND THEN 1 ELSE 0 END)"
             + " FROM TABLE(WEIGHTS_APPROX('lenet@3', 'ip2/W', 1)) a"
             + " JOIN (SELECT IDX, WEIGHT FROM WEIGHTS WHERE TENSOR = 'ip2/W' AND VERSION_ID ="
             + " (SELECT ID FROM VERSIONS WHERE MODEL = 'lenet' AND VERSION = 3)) w"
             + " ON w.IDX = a.IDX")) {
      rs.next();
      assertEquals(5000, rs.getLong(1));
      assertTrue(rs.getDouble(2) > 0);
      assertEquals(0, rs.getLong(3), "every value lies within its error bound");
    }
    try (Connection c = DriverManager.getConnection("jdbc:modelhub:" + repo);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM TABLE(WEIGHTS_APPROX('lenet@3',"
             + " 'ip2/W', 4)) a JOIN (SELECT IDX, WEIGHT FROM WEIGHTS WHERE TENSOR = 'ip2/W'"
             + " AND VERSION_ID = (SELECT ID FROM VERSIONS WHERE MODEL = 'lenet'"
             + " AND VERSION = 3)) w ON w.IDX = a.IDX AND w.WEIGHT = a.WEIGHT"
             + " AND a.ERROR_BOUND = 0")) {
      rs.next();
      assertEquals(5000, rs.getLong(1), "k = 4 is exact");
    }
    DlvRun noTensor = DlvRun.run(repo, "query",
        "SELECT * FROM TABLE(WEIGHTS_APPROX('lenet@3', 'nope/W', 2))").expect(1);
    assertTrue(noTensor.err.contains("lenet@3 has no tensor 'nope/W'"), noTensor.err);
    DlvRun badK = DlvRun.run(repo, "query",
        "SELECT * FROM TABLE(WEIGHTS_APPROX('lenet@3', 'ip2/W', 5))").expect(1);
    assertTrue(badK.err.contains("planes must be 1 to 4, not 5"), badK.err);
  }
}
