package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Commit;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;

/**
 * {@code WITH RECURSIVE} over the catalog runs inside H2 as one statement (the plan shows a
 * JdbcRecursiveUnion, the statement takes the direct path) and gives the rows LINEAGE_OF
 * gives; a recursion H2 cannot run stays Calcite's and still answers.
 */
class RecursiveQueryTest {
  @TempDir static Path dir;
  static final List<VersionInfo> VERSIONS = new ArrayList<>();
  static Connection conn;
  /** The same repository through Calcite's path only. */
  static Connection calcite;

  /** Ancestors within ?2 hops of ?1, each at its least depth, by model. */
  static final String ANCESTORS = "WITH RECURSIVE A (ID, DEPTH) AS ("
      + " SELECT PARENT_ID, 1 FROM LINEAGE WHERE CHILD_ID = ?"
      + " UNION ALL SELECT l.PARENT_ID, a.DEPTH + 1 FROM A a"
      + " JOIN LINEAGE l ON l.CHILD_ID = a.ID WHERE a.DEPTH < ?)"
      + " SELECT v.MODEL, MIN(a.DEPTH) FROM A a JOIN VERSIONS v ON v.ID = a.ID"
      + " GROUP BY v.MODEL ORDER BY v.MODEL";

  /** A DAG with merges, a diamond and versions reached by paths of different lengths. */
  @BeforeAll static void repository() throws SQLException {
    Path repo = dir.resolve("repo");
    try (Repository r = Repository.init(repo)) {
      VersionInfo a = commit(r, "a");
      VersionInfo b = commit(r, "b", a);
      VersionInfo c = commit(r, "c", a);
      VersionInfo d = commit(r, "d", c, b);
      VersionInfo e = commit(r, "e", d, b);
      commit(r, "f", e, a, c);
      commit(r, "g");
    }
    conn = DriverManager.getConnection("jdbc:modelhub:" + repo);
    calcite = DriverManager.getConnection("jdbc:modelhub:" + repo + ";direct=false");
  }

  private static VersionInfo commit(Repository repo, String model, VersionInfo... parents) {
    Commit commit = repo.newCommit().model(model).content(TestModels.lenetContent(
        model.charAt(0))).noParent();
    for (VersionInfo p : parents) {
      commit.parent(p, LineageEdge.COMMIT);
    }
    VersionInfo v = commit.run(Progress.NONE);
    VERSIONS.add(v);
    return v;
  }

  @AfterAll static void close() throws SQLException {
    conn.close();
    calcite.close();
  }

  private static List<String> rows(String sql, Object... params) throws SQLException {
    return rows(conn, sql, params);
  }

  private static List<String> rows(Connection c, String sql, Object... params)
      throws SQLException {
    List<String> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          StringBuilder row = new StringBuilder();
          for (int i = 1; i <= n; i++) {
            row.append(i > 1 ? " " : "").append(rs.getString(i));
          }
          rows.add(row.toString());
        }
      }
    }
    return rows;
  }

  private static String plan(String sql) throws SQLException {
    return String.join("\n", rows("EXPLAIN PLAN FOR " + sql));
  }

  @Test void ancestorsRunInsideH2AndMatchLineageOf() throws SQLException {
    String plan = plan(ANCESTORS.replaceFirst("\\?", "'x'").replace("?", "3"));
    assertTrue(plan.startsWith("JdbcToEnumerableConverter") && plan.contains("JdbcRecursiveUnion")
        && plan.contains("JdbcTransientScan"), plan);
    assertFalse(plan.contains("EnumerableRepeatUnion") || plan.contains("Spool"), plan);
    try (PreparedStatement ps = conn.prepareStatement(ANCESTORS)) {
      // the direct path sends the recursion as the statement's own WITH clause
      String sql = ps.unwrap(DirectQuery.class).sql();
      assertTrue(sql.startsWith("WITH RECURSIVE \"A\"") && sql.contains("FROM \"A\" AS"), sql);
    }
    for (VersionInfo v : VERSIONS) {
      for (int depth = 1; depth <= 4; depth++) {
        long before = DirectQuery.executions();
        List<String> recursive = rows(ANCESTORS, v.id(), depth);
        assertEquals(1, DirectQuery.executions() - before, "direct path");
        assertEquals(rows("SELECT MODEL, DEPTH FROM TABLE(LINEAGE_OF(?, ?, 'ancestor'))"
            + " ORDER BY MODEL", v.id(), depth), recursive, v.label() + " depth " + depth);
      }
    }
    // f's parents are e, a and c; b is a parent of d and e
    assertEquals(List.of("a 1", "b 2", "c 1", "d 2", "e 1"), rows(ANCESTORS,
        VERSIONS.get(5).id(), 10));
  }

  @Test void wholeStatementRecursion() throws SQLException {
    String sql = "WITH RECURSIVE D (ID) AS (SELECT ID FROM VERSIONS WHERE MODEL = 'c'"
        + " UNION ALL SELECT l.CHILD_ID FROM D JOIN LINEAGE l ON l.PARENT_ID = D.ID)"
        + " SELECT * FROM D";
    assertTrue(plan(sql).contains("JdbcRecursiveUnion"), plan(sql));
    // c, then its children d and f, then e (from d), then f again (from e): a row per path
    assertEquals(5, rows(sql).size());
  }

  /**
   * Two reads of one recursion (the direct path then keeps each in its derived table, as one
   * WITH clause cannot name two tables alike) and two recursions (both in the WITH clause):
   * the same rows as Calcite's path.
   */
  @Test void severalRecursionsInOneStatement() throws SQLException {
    String ancestors = "A (ID, DEPTH) AS (SELECT PARENT_ID, 1 FROM LINEAGE WHERE CHILD_ID = ?"
        + " UNION ALL SELECT l.PARENT_ID, a.DEPTH + 1 FROM A a JOIN LINEAGE l"
        + " ON l.CHILD_ID = a.ID WHERE a.DEPTH < 10)";
    String descendants = "D (ID, DEPTH) AS (SELECT CHILD_ID, 1 FROM LINEAGE"
        + " WHERE PARENT_ID = ? UNION ALL SELECT l.CHILD_ID, d.DEPTH + 1 FROM D d"
        + " JOIN LINEAGE l ON l.PARENT_ID = d.ID WHERE d.DEPTH < 10)";
    String selfJoin = "WITH RECURSIVE " + ancestors + " SELECT a1.DEPTH, COUNT(*) FROM A a1"
        + " JOIN A a2 ON a1.DEPTH = a2.DEPTH GROUP BY a1.DEPTH ORDER BY a1.DEPTH";
    String both = "WITH RECURSIVE " + ancestors + ", " + descendants + " SELECT a.DEPTH,"
        + " COUNT(*) FROM A a JOIN D d ON a.DEPTH = d.DEPTH GROUP BY a.DEPTH ORDER BY a.DEPTH";
    String d = VERSIONS.get(3).id();
    List<String> direct = rows(selfJoin, d);
    assertFalse(direct.isEmpty());
    assertEquals(rows(calcite, selfJoin, d), direct, selfJoin);
    direct = rows(both, d, d);
    assertFalse(direct.isEmpty());
    assertEquals(rows(calcite, both, d, d), direct, both);
  }

  @Test void recursionOutsideTheCatalogStaysCalcites() throws SQLException {
    String sql = "WITH RECURSIVE T (N) AS (VALUES (1) UNION ALL SELECT N + 1 FROM T"
        + " WHERE N < 5) SELECT SUM(N) FROM T";
    assertTrue(plan(sql).contains("EnumerableRepeatUnion"), plan(sql));
    assertEquals(List.of("15"), rows(sql));
  }

  @Test void seedH2CannotRunStaysCalcites() throws SQLException {
    // the seed's scalar sub-query becomes an aggregate that checks for a single row, which
    // H2 cannot compute, so the seed cannot run wholly inside H2
    String sql = "WITH RECURSIVE A (ID, DEPTH) AS ("
        + " SELECT PARENT_ID, 1 FROM LINEAGE"
        + " WHERE CHILD_ID = (SELECT ID FROM VERSIONS WHERE MODEL = 'f')"
        + " UNION ALL SELECT l.PARENT_ID, a.DEPTH + 1 FROM A a"
        + " JOIN LINEAGE l ON l.CHILD_ID = a.ID WHERE a.DEPTH < 10)"
        + " SELECT v.MODEL, MIN(a.DEPTH) FROM A a JOIN VERSIONS v ON v.ID = a.ID"
        + " GROUP BY v.MODEL ORDER BY v.MODEL";
    assertTrue(plan(sql).contains("EnumerableRepeatUnion"), plan(sql));
    assertEquals(rows(ANCESTORS, VERSIONS.get(5).id(), 10), rows(sql));
  }

  @Test void recursionH2CannotRunStaysCalcites() throws SQLException {
    // the step reads the recursive table through a computed column, a derived table for H2,
    // which H2 does not allow the recursive table in
    String sql = "WITH RECURSIVE A (ID, DEPTH) AS ("
        + " SELECT PARENT_ID, 1 FROM LINEAGE WHERE CHILD_ID = ?"
        + " UNION ALL SELECT l.PARENT_ID, a.NXT FROM"
        + " (SELECT ID, DEPTH + 1 AS NXT, DEPTH FROM A WHERE DEPTH < 10) a"
        + " LEFT JOIN LINEAGE l ON l.CHILD_ID = a.ID WHERE l.PARENT_ID IS NOT NULL)"
        + " SELECT v.MODEL, MIN(a.DEPTH) FROM A a JOIN VERSIONS v ON v.ID = a.ID"
        + " GROUP BY v.MODEL ORDER BY v.MODEL";
    assertTrue(plan(sql.replace("?", "'x'")).contains("EnumerableRepeatUnion"),
        plan(sql.replace("?", "'x'")));
    assertEquals(rows(ANCESTORS, VERSIONS.get(5).id(), 10),
        rows(sql, VERSIONS.get(5).id()));
  }
}
