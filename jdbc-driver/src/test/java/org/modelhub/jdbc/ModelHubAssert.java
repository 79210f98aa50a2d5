package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.calcite.runtime.Hook;

/**
 * Fluent checks of queries through the real driver, in the manner of Calcite's
 * {@code CalciteAssert}: {@code that(url).query(sql).returns(...).explainContains(...)}.
 */
final class ModelHubAssert {
  private ModelHubAssert() {
  }

  static Checker that(String url) {
    return new Checker(url);
  }

  /** A repository URL to query. */
  static final class Checker {
    private final String url;

    Checker(String url) {
      this.url = url;
    }

    Query query(String sql) {
      return new Query(url, sql);
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(url);
    }
  }

  /** One SQL statement and what it should do. */
  static final class Query {
    private final String url;
    private final String sql;

    Query(String url, String sql) {
      this.url = url;
      this.sql = sql;
    }

    /** Another statement on the same URL, for chains of checks. */
    Query query(String next) {
      return new Query(url, next);
    }

    /** Rows rendered as {@code COL=value; COL=value}, in order. */
    List<String> rows() {
      try (Connection c = DriverManager.getConnection(url);
           Statement s = c.createStatement();
           ResultSet rs = s.executeQuery(sql)) {
        return render(rs);
      } catch (SQLException e) {
        throw new AssertionError("query failed: " + sql, e);
      }
    }

    Query returns(String... expected) {
      assertEquals(List.of(expected), rows(), sql);
      return this;
    }

    Query returnsCount(int n) {
      assertEquals(n, rows().size(), sql);
      return this;
    }

    Query explainContains(String expected) {
      String plan = String.join("\n", new Query(url, "EXPLAIN PLAN FOR " + sql).rows())
          .replace("PLAN=", "");
      assertTrue(plan.contains(expected), "plan of " + sql + " lacks\n" + expected
          + "\nin\n" + plan);
      return this;
    }

    /**
     * The SQL the statement sends to H2 (one statement) contains each of {@code expected}
     * and none of {@code absent}.
     */
    Query sendsToH2(List<String> expected, List<String> absent) {
      List<String> sent = new ArrayList<>();
      try (Hook.Closeable hook = Hook.QUERY_PLAN.addThread(
              (Consumer<Object>) q -> sent.add(String.valueOf(q)));
           Connection c = DriverManager.getConnection(url);
           Statement s = c.createStatement();
           ResultSet rs = s.executeQuery(sql)) {
        render(rs);
      } catch (SQLException e) {
        throw new AssertionError("query failed: " + sql, e);
      }
      assertEquals(1, sent.size(), sent.toString());
      String h2 = sent.get(0).replace('\n', ' ');
      expected.forEach(e -> assertTrue(h2.contains(e), "SQL of " + sql + " lacks " + e
          + ":\n" + h2));
      absent.forEach(a -> assertFalse(h2.contains(a), "SQL of " + sql + " has " + a
          + ":\n" + h2));
      return this;
    }

    /** The statement fails; its message contains {@code expected}. */
    Query throwsMessage(String expected) {
      SQLException e = assertThrows(SQLException.class, () -> {
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement()) {
          s.execute(sql);
        }
      }, sql);
      StringBuilder all = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        all.append(t.getMessage()).append('\n');
      }
      assertTrue(all.toString().contains(expected), "error of " + sql + " lacks '" + expected
          + "':\n" + all);
      return this;
    }
  }

  static List<String> render(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<String> out = new ArrayList<>();
    while (rs.next()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        if (i > 1) {
          sb.append("; ");
        }
        sb.append(md.getColumnLabel(i)).append('=').append(rs.getString(i));
      }
      out.add(sb.toString());
    }
    return out;
  }
}
