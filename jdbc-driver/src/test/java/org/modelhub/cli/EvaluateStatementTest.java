package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;

/**
 * DQL's {@code evaluate} through every entry point (the driver's {@code Statement.execute},
 * {@code TABLE(DQL(...))} and {@code dlv query}), over the versions a saved {@code construct}
 * made from the Caffe LeNet; real training on the Fashion-MNIST test split.
 */
class EvaluateStatementTest {
  private static final String CONSTRUCT = "construct m2 from m1 where m1.name like \"lenet%\""
      + " and m1[\"conv*($1)\"].next has POOL(\"MAX\")"
      + " mutate m1[\"conv*($1)\"].insert = RELU(\"relu_c$1\")";

  @TempDir Path dir;
  private Path repo;
  private Path config;
  private Path data1;
  private Path data2;

  @BeforeEach void constructAndSave() throws IOException {
    repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    DlvRun.run(repo, "add", Corpus.path("caffe/lenet.prototxt").toString(),
        Corpus.path("caffe/lenet_iter_10000.caffemodel").toString()).expect(0);
    DlvRun.run(repo, "commit", "-m", "LeNet", "--name", "lenet").expect(0);
    DlvRun saved = DlvRun.run(repo, "query", "--name", "query3", CONSTRUCT).expect(0);
    assertTrue(saved.err.contains("saved as \"query3\" with 1 version"), saved.err);
    // two input_data paths for the grid: the same test split in two folders
    Path fashion = Corpus.path("data/fashion-mnist/t10k-images-idx3-ubyte.gz").getParent();
    data1 = copy(fashion, dir.resolve("fashion-a"));
    data2 = copy(fashion, dir.resolve("fashion-b"));
    config = Files.writeString(dir.resolve("lenet.conf"), String.join("\n",
        "# a few iterations on 240 examples: 180 to train, 60 held out",
        "input_data: " + data1, "examples: 240", "test_fraction: 0.25", "batch_size: 16",
        "iterations: 4", "updater: sgd", "momentum: 0.9", "seed: 7", ""));
  }

  private static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:modelhub:" + repo);
  }

  private static String quoted(Path p) {
    return "\"" + p.toString().replace("\\", "/") + "\"";
  }

  @Test void theDesignStatementRunsFromTheDriver() throws SQLException {
    String evaluate = "evaluate m from \"query3\" with config = " + quoted(config)
        + "\n  vary config.base_lr in [0.1, 0.01] and m[\"conv*\"].lr auto"
        + "\n  and config.input_data in [" + quoted(data1) + ", " + quoted(data2) + "]"
        + " keep top(5, m[\"loss\"], 2)";
    List<String> kept = new ArrayList<>();
    try (Connection c = connect(); Statement s = c.createStatement()) {
      assertTrue(s.execute(evaluate));
      int rows = 0;
      Set<Integer> ranks = new HashSet<>();
      try (ResultSet rs = s.getResultSet()) {
        assertEquals("ID", rs.getMetaData().getColumnName(1));
        while (rs.next()) {
          rows++;
          assertEquals(rows, rs.getInt("CANDIDATE"));
          assertEquals("lenet-construct@1", rs.getString("SOURCE"));
          assertTrue(rs.getString("SETTINGS").startsWith("config.base_lr="),
              rs.getString("SETTINGS"));
          assertTrue(rs.getString("SETTINGS").contains("m[\"conv*\"].lr="));
          assertEquals("val_loss", rs.getString("METRIC"));
          assertTrue(rs.getDouble("METRIC_AT_CUT") > 0);
          ranks.add(rs.getInt("PLACE"));
          boolean k = rs.getBoolean("KEPT");
          assertEquals(k ? 4 : 2, rs.getLong("ITERATIONS"), "survivors train to the end");
          assertEquals(k, rs.getInt("PLACE") <= 5, "the best five at the cut are kept");
          if (k) {
            kept.add(rs.getString("ID"));
          }
        }
      }
      assertEquals(2 * 3 * 2, rows, "base_lr x auto lr grid (0, 0.001, 0.01) x input_data");
      assertEquals(12, ranks.size());
      assertEquals(5, kept.size());
      try (ResultSet rs = s.executeQuery("SELECT l.KIND, p.MODEL, COUNT(*) FROM LINEAGE l"
          + " JOIN VERSIONS p ON p.ID = l.PARENT_ID JOIN VERSIONS v ON v.ID = l.CHILD_ID"
          + " WHERE v.MODEL LIKE 'evaluate-%' GROUP BY l.KIND, p.MODEL")) {
        assertTrue(rs.next());
        assertEquals("fine-tune", rs.getString(1));
        assertEquals("lenet-construct", rs.getString(2));
        assertEquals(12, rs.getLong(3), "every candidate is a version with its lineage");
        assertFalse(rs.next());
      }
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM METRICS WHERE NAME = 'loss'"
          + " AND VERSION_ID = '" + kept.get(0) + "'")) {
        rs.next();
        assertEquals(4, rs.getLong(1), "the training log: a loss per iteration");
      }
    }
    DlvRun.run(repo, "fsck").expect(0);
  }

  @Test void sqlFunctionAndDlvQueryRunItToo() throws SQLException {
    String one = "evaluate m from 'lenet@1' with config = '" + config + "'";
    try (Connection c = connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT MODEL, SOURCE, ITERATIONS, KEPT, PLACE"
             + " FROM TABLE(DQL('" + one.replace("'", "''") + "'))")) {
      assertTrue(rs.next());
      assertEquals("lenet@1", rs.getString("SOURCE"));
      assertEquals(4, rs.getLong("ITERATIONS"));
      assertTrue(rs.getBoolean("KEPT"), "without keep, every candidate trains to the end");
      assertFalse(rs.next());
    }
    try (Connection c = connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("explain " + one)) {
      assertTrue(rs.next());
      assertTrue(rs.getString(1).contains("DQL_EVALUATE"), rs.getString(1));
    }
    DlvRun q = DlvRun.run(repo, "query", "--format", "csv",
        "evaluate m from \"query3\" with config = " + quoted(config)
            + " vary config.batch_size in [8, 16]").expect(0);
    List<String> lines = q.out.strip().lines().toList();
    assertEquals(3, lines.size(), q.out);
    assertTrue(lines.get(0).startsWith("ID,MODEL,VERSION,CANDIDATE,SOURCE_ID,SOURCE,SETTINGS"),
        q.out);
    assertTrue(lines.get(1).contains("config.batch_size=8"), q.out);
    DlvRun bad = DlvRun.run(repo, "query", "evaluate m from \"query3\" with config = "
        + quoted(config) + " vary config.bogus in [1]");
    assertEquals(1, bad.err.strip().lines().count(), bad.err);
    assertTrue(bad.err.contains("line 1, column") && bad.err.contains("bogus"), bad.err);
  }

  @Test void closingOrCancellingTheStatementStopsTraining() throws Exception {
    Path longRun = Files.writeString(dir.resolve("long.conf"), "input_data: " + data1
        + "\nexamples: 240\nbatch_size: 16\niterations: 100000\n");
    for (boolean close : new boolean[] {true, false}) {
      try (Connection c = connect()) {
        Statement s = c.createStatement();
        CompletableFuture<SQLException> run = CompletableFuture.supplyAsync(() -> {
          try {
            s.execute("evaluate m from \"query3\" with config = " + quoted(longRun));
            return null;
          } catch (SQLException e) {
            return e;
          }
        });
        Thread.sleep(2500);
        assertFalse(run.isDone(), "still training");
        if (close) {
          s.close();
        } else {
          s.cancel();
        }
        SQLException e = run.get(60, TimeUnit.SECONDS);
        assertTrue(e != null && e.getMessage().contains("evaluate cancelled: 0 of 1"
            + " candidates"), String.valueOf(e));
        try (Statement q = c.createStatement();
             ResultSet rs = q.executeQuery("SELECT COUNT(*) FROM VERSIONS"
                 + " WHERE MODEL LIKE 'evaluate-%'")) {
          rs.next();
          assertEquals(0, rs.getLong(1), "nothing half-committed");
        }
        s.close();
      }
    }
    assertFalse(DlvRun.run(repo, "fsck").expect(0).out.contains("error"));
    SQLException e = assertThrows(SQLException.class, () -> {
      try (Connection c = connect(); Statement s = c.createStatement()) {
        s.execute("evaluate m from m1 with config = \"x\"");
      }
    });
    assertTrue(e.getMessage().contains("from \"query3\""), e.getMessage());
  }
}
