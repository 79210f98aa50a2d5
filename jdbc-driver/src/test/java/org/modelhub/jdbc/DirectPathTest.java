package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.calcite.runtime.Hook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.ModelContent;

/**
 * The direct path ({@link DirectQuery}): taken for plans that run wholly inside H2, not for
 * others, and indistinguishable from Calcite's path (same rows, values, classes, metadata).
 */
class DirectPathTest {
  @TempDir static Path dir;
  static VersionInfo v1;
  static Connection direct;
  static Connection calcite;

  @BeforeAll static void repository() throws SQLException {
    Path repo = dir.resolve("repo");
    ModelContent c1 = TestModels.lenetContent(1);
    try (Repository r = Repository.init(repo)) {
      v1 = r.newCommit().model("lenet").message("first").content(c1).run(Progress.NONE);
      r.newCommit().model("lenet").message("ip2 retrained")
          .content(TestModels.replace(c1, "ip2/W", 7)).run(Progress.NONE);
      r.copy(v1, "lenet-copy", null);
    }
    direct = DriverManager.getConnection("jdbc:modelhub:" + repo);
    calcite = DriverManager.getConnection("jdbc:modelhub:" + repo + ";direct=false");
  }

  @AfterAll static void close() throws SQLException {
    direct.close();
    calcite.close();
  }

  /** Runs {@code sql} with {@code params} and returns how many direct executions it made. */
  private static long run(Connection c, String sql, Object... params) throws SQLException {
    long before = DirectQuery.executions();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getObject(1);
        }
      }
    }
    return DirectQuery.executions() - before;
  }

  @Test void takenForQueriesInsideH2() throws SQLException {
    assertEquals(1, run(direct, "select model, version from versions where model like ?"
        + " order by model, version", "lenet%"));
    assertEquals(1, run(direct, "select l.type, count(*) from layers l join versions v"
        + " on v.id = l.version_id where v.model = ? group by l.type", "lenet"));
    // the same statement on a connection that asks for Calcite's path
    assertEquals(0, run(calcite, "select model, version from versions where model like ?",
        "lenet%"));
  }

  @Test void sendsTheSqlCalciteGenerates() throws SQLException {
    List<String> sent = new ArrayList<>();
    String sql = "select v.model, v.version, l.name, l.seq from versions v join layers l"
        + " on l.version_id = v.id where v.model = ? and l.type = ? order by v.version, l.seq";
    try (Hook.Closeable ignored = Hook.QUERY_PLAN.addThread(
        (Consumer<Object>) s -> sent.add(String.valueOf(s)));
         PreparedStatement ps = direct.prepareStatement(sql)) {
      assertTrue(ps.isWrapperFor(DirectQuery.class));
      assertEquals(sent, List.of(ps.unwrap(DirectQuery.class).sql()));
    }
    try (PreparedStatement ps = calcite.prepareStatement(sql)) {
      assertFalse(ps.isWrapperFor(DirectQuery.class));
    }
  }

  @Test void notTakenForFunctionsWeightsOrTableFunctions() throws SQLException {
    // JSON_VALUE runs in Calcite (H2 lacks it): an EnumerableCalc over the H2 query
    assertEquals(0, run(direct, "select name, json_value(attrs, '$.kernel') from layers"
        + " where version_id = ?", v1.id()));
    assertEquals(0, run(direct, "select count(*), max(weight) from weights"
        + " where version_id = ? and tensor = 'conv1/W'", v1.id()));
    assertEquals(0, run(direct, "select id, depth from table(lineage_of(?))", "lenet@2"));
    // a join of the catalog with WEIGHTS
    assertEquals(0, run(direct, "select v.model, count(*) from weights w join versions v"
        + " on v.id = w.version_id where w.version_id = ? and w.tensor = 'conv1/b'"
        + " group by v.model", v1.id()));
  }

  @Test void explainShowsCalcitesPlan() throws SQLException {
    try (PreparedStatement ps = direct.prepareStatement("explain plan for select model"
        + " from versions where version = 2");
         ResultSet rs = ps.executeQuery()) {
      assertTrue(rs.next());
      String plan = rs.getString(1);
      assertTrue(plan.contains("JdbcToEnumerableConverter") && plan.contains("JdbcFilter"),
          plan);
    }
  }

  @Test void sameRowsValuesAndMetadataOnBothPaths() throws SQLException {
    String id = v1.id();
    // timestamps, CHAR(64), nulls (LOSSY, MAX_ABS_ERROR of exact tensors), aggregates whose
    // H2 type differs from Calcite's (SUM of BIGINT), and parameters of several types
    same("select id, model, version, created, author, message, num_params, raw_bytes"
        + " from versions where model like ? and version >= ? order by model, version",
        "lenet%", 1);
    same("select name, layer, seq, shape, num_values, lossy, max_abs_error, rmse"
        + " from tensors where version_id = ? and num_values > ? order by seq", id, 10L);
    same("select model, count(*) as n, min(created) as first_at, sum(num_params) as p,"
        + " avg(num_params) as a from versions where version >= ? group by model"
        + " order by model", 1);
    same("select m.name, m.created, m.latest_version, v.id from models m"
        + " join versions v on v.model = m.name where v.num_params > ? and m.name <> ?"
        + " order by m.name, v.id", 0.5, "nothing");
    same("select name, type, seq, attrs, num_params from layers where version_id = ?"
        + " and type in (?, ?) order by seq", id, "CONV", "POOL");
    same("select cast(null as varchar(10)) as x, cast(null as integer) as y,"
        + " cast(null as timestamp) as z, true as b, 'a' as c from versions where model = ?",
        "lenet-copy");
  }

  private static void same(String sql, Object... params) throws SQLException {
    List<List<Object>> a = rows(direct, sql, true, params);
    List<List<Object>> b = rows(calcite, sql, false, params);
    assertEquals(b, a, sql);
    assertFalse(a.size() <= 1, "a header and rows: " + sql);
  }

  /** The metadata as a row, then every row: each value, its class, its string, by label. */
  private static List<List<Object>> rows(Connection c, String sql, boolean expectDirect,
      Object... params) throws SQLException {
    List<List<Object>> out = new ArrayList<>();
    long before = DirectQuery.executions();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      for (int run = 0; run < 2; run++) {
        out.clear();
        try (ResultSet rs = ps.executeQuery()) {
          ResultSetMetaData md = rs.getMetaData();
          List<Object> header = new ArrayList<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            header.add(List.of(md.getColumnLabel(i), md.getColumnName(i), md.getColumnType(i),
                md.getColumnTypeName(i), md.getPrecision(i), md.getScale(i), md.isNullable(i),
                md.getColumnClassName(i), md.isSigned(i)));
          }
          out.add(header);
          while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
              Object v = rs.getObject(i);
              row.add(v == null ? "null" : v.getClass().getName() + ":" + v);
              row.add(String.valueOf(rs.getString(i)));
              Object byLabel = rs.getObject(md.getColumnLabel(i).toLowerCase());
              assertEquals(v, byLabel);
              if (md.getColumnType(i) == Types.TIMESTAMP) {
                row.add(String.valueOf(rs.getTimestamp(i)));
              }
              if (md.getColumnType(i) == Types.BIGINT || md.getColumnType(i) == Types.INTEGER) {
                row.add(rs.getLong(i));
                row.add(rs.wasNull());
              }
            }
            out.add(row);
          }
          assertEquals(ps, rs.getStatement());
        }
      }
    }
    assertEquals(expectDirect ? 2 : 0, DirectQuery.executions() - before, sql);
    return out;
  }

  @Test void statementLifecycle() throws SQLException {
    try (PreparedStatement ps = direct.prepareStatement("select model from versions"
        + " where version = ? order by model")) {
      SQLException unset = assertThrows(SQLException.class, ps::executeQuery);
      assertTrue(unset.getMessage().contains("parameter 1"), unset.getMessage());
      ps.setInt(1, 2);
      assertTrue(ps.execute());
      ResultSet first = ps.getResultSet();
      assertTrue(first.next());
      assertEquals("lenet", first.getString("MODEL"));
      assertEquals(-1, ps.getUpdateCount());
      // a new execution closes the previous result set
      ps.setInt(1, 1);
      ResultSet second = ps.executeQuery();
      assertTrue(first.isClosed());
      assertFalse(ps.getMoreResults());
      assertTrue(second.isClosed());
      assertNull(ps.getResultSet());
      ps.setQueryTimeout(5);
      try (ResultSet rs = ps.executeQuery()) {
        int n = 0;
        while (rs.next()) {
          n++;
        }
        assertEquals(2, n);
        assertEquals(ResultSet.CONCUR_READ_ONLY, rs.getConcurrency());
      }
      ps.setMaxRows(1);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next());
        assertFalse(rs.next());
      }
      ResultSet open = ps.executeQuery();
      ps.close();
      assertTrue(open.isClosed());
    }
  }
}
