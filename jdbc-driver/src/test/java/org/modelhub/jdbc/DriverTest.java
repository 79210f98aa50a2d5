package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.jdbc.CalciteConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.ModelDiff;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.TestModels;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;

/** The jdbc:modelhub: driver: URLs, tables, pushdown plans, functions, metadata, writes. */
class DriverTest {
  @TempDir static Path dir;
  static String url;
  static VersionInfo v1;
  static VersionInfo v2;
  static ModelContent c1;

  @BeforeAll static void repository() {
    Path repo = dir.resolve("repo");
    c1 = TestModels.lenetContent(1);
    try (Repository r = Repository.init(repo)) {
      v1 = r.newCommit().model("lenet").message("first").content(c1).run(Progress.NONE);
      v2 = r.newCommit().model("lenet").message("ip2 retrained")
          .content(TestModels.replace(c1, "ip2/W", 7)).run(Progress.NONE);
      r.copy(v2, "lenet-copy", null);
    }
    url = "jdbc:modelhub:" + repo;
  }

  @Test void urls() throws SQLException {
    Path fresh = dir.resolve("fresh");
    SQLException missing = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:modelhub:" + fresh));
    assertTrue(missing.getMessage().contains("not a ModelHub repository")
        && missing.getMessage().contains(";create=true"), missing.getMessage());
    try (Connection c = DriverManager.getConnection("jdbc:modelhub:" + fresh + ";create=true")) {
      assertEquals("MODELHUB", c.getSchema());
    }
    assertTrue(Files.exists(fresh.resolve(Repository.PROPERTIES)));
    // in-memory repositories are shared by name
    try (Connection a = DriverManager.getConnection("jdbc:modelhub:mem:shared");
         Connection b = DriverManager.getConnection("jdbc:modelhub:mem:shared")) {
      Repository r = a.unwrap(CalciteConnection.class).getRootSchema()
          .getSubSchema("MODELHUB").unwrap(Repository.class);
      r.newCommit().model("m").content(TestModels.lenetContent(5)).run(Progress.NONE);
      try (ResultSet rs = b.createStatement().executeQuery("select count(*) from layers")) {
        rs.next();
        assertEquals(9, rs.getInt(1));
      }
    }
    assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:modelhub:"));
  }

  @Test void catalogTablesRunInsideH2() {
    ModelHubAssert.that(url)
        .query("select model, version, num_params from versions order by model, version")
        .returns("MODEL=lenet; VERSION=1; NUM_PARAMS=431080",
            "MODEL=lenet; VERSION=2; NUM_PARAMS=431080",
            "MODEL=lenet-copy; VERSION=1; NUM_PARAMS=431080")
        .explainContains("JdbcToEnumerableConverter");
    ModelHubAssert.that(url)
        .query("select name from layers where type = 'CONV' and version_id = '" + v1.id()
            + "' order by name")
        .returns("NAME=conv1", "NAME=conv2")
        .explainContains("JdbcFilter(condition=[AND(=($2, 'CONV'), =($0, '" + v1.id()
            + "'))])");
    ModelHubAssert.that(url)
        .query("select v.model, count(*) as n from layers l join versions v"
            + " on l.version_id = v.id where l.type = 'POOL' group by v.model order by v.model")
        .returns("MODEL=lenet; N=4", "MODEL=lenet-copy; N=2")
        .explainContains("JdbcAggregate")
        .explainContains("JdbcJoin");
  }

  /**
   * H2 runs a view or a derived table as a query of its own: the SQL sent to H2 reads the
   * PUBLIC tables behind the MODELHUB views, and joins them as tables, not sub-queries.
   */
  @Test void catalogQueriesReachH2AsQueriesOnTables() {
    ModelHubAssert.that(url)
        .query("select v.model, count(*) as n from layers l join versions v"
            + " on l.version_id = v.id where l.type = 'POOL' and v.version = 1"
            + " group by v.model order by v.model")
        .returns("MODEL=lenet; N=2", "MODEL=lenet-copy; N=2")
        .sendsToH2(List.of("FROM \"PUBLIC\".\"LAYERS\" AS",
            "INNER JOIN \"PUBLIC\".\"VERSIONS\" AS", "\"TYPE\" = 'POOL'", "\"VERSION\" = 1"),
            List.of("(SELECT", "MODELHUB"));
    // three filtered inputs: every input's condition reaches H2 (AND is binary: a call with
    // three operands once lost the third, and with it VERSIONS' condition)
    ModelHubAssert.that(url)
        .query("select distinct v.model, v.version from versions v join edges e"
            + " on e.version_id = v.id join layers l on l.version_id = e.version_id"
            + " and l.name = e.dst where v.model = 'lenet-copy' and e.src = 'conv1'"
            + " and l.type = 'POOL' order by v.model, v.version")
        .returns("MODEL=lenet-copy; VERSION=1")
        .sendsToH2(List.of("\"MODEL\" = 'lenet-copy'", "\"SRC\" = 'conv1'",
            "\"TYPE\" = 'POOL'"), List.of("(SELECT"));
    // SEQ is the table's ORDINAL; the label stays SEQ
    ModelHubAssert.that(url)
        .query("select l.name, l.seq from layers l join versions v on l.version_id = v.id"
            + " where v.model = 'lenet' and v.version = 1 and l.seq < 2 order by l.seq")
        .returns("NAME=data; SEQ=0", "NAME=conv1; SEQ=1")
        .sendsToH2(List.of("\"ORDINAL\" AS \"SEQ\"", "\"ORDINAL\" < 2"),
            List.of("(SELECT"));
    ModelHubAssert.that(url)
        .query("select * from layers where version_id = '" + v1.id() + "' and seq = 1")
        .returns("VERSION_ID=" + v1.id() + "; NAME=conv1; TYPE=CONV; SEQ=1; ATTRS="
            + ModelHubAssert.that(url).query("select attrs from layers where version_id = '"
                + v1.id() + "' and name = 'conv1'").rows().get(0).substring(6)
            + "; NUM_PARAMS=520");
    // the inner side of an outer join keeps its sub-query: its condition belongs to the join
    ModelHubAssert.that(url)
        .query("select v.model, v.version, l.name from versions v left join"
            + " (select * from layers where type = 'SOFTMAX') l on l.version_id = v.id"
            + " order by v.model, v.version")
        .returns("MODEL=lenet; VERSION=1; NAME=prob", "MODEL=lenet; VERSION=2; NAME=prob",
            "MODEL=lenet-copy; VERSION=1; NAME=prob")
        .sendsToH2(List.of("LEFT JOIN (SELECT"), List.of());
  }

  @Test void weightsStreamOneTensorWithPushdown() throws SQLException {
    String sql = "select count(*) as n, sum(weight) as s from weights where version_id = '"
        + v1.id() + "' and tensor = 'ip2/W'";
    ModelHubAssert.that(url).query(sql)
        .explainContains("WeightsTableScan(table=[[MODELHUB, WEIGHTS]], versionIds=[['"
            + v1.id() + "':VARCHAR(64)]], tensors=[['ip2/W':VARCHAR(500)]]");
    double expected = 0;
    Tensor ip2 = c1.tensorMap().get("ip2/W");
    for (int i = 0; i < ip2.numValues(); i++) {
      expected += ip2.valueAt(i);
    }
    try (Connection c = DriverManager.getConnection(url)) {
      Repository r = c.unwrap(CalciteConnection.class).getRootSchema()
          .getSubSchema("MODELHUB").unwrap(Repository.class);
      long before = r.tensorStore().objectsRead();
      try (ResultSet rs = c.createStatement().executeQuery(sql)) {
        rs.next();
        assertEquals(5000, rs.getLong(1));
        assertEquals(expected, rs.getDouble(2), 1e-9);
      }
      assertEquals(1, r.tensorStore().objectsRead() - before, "only ip2/W's object is read");

      // a parameter pushes down too, and the statement is reused with new values
      try (PreparedStatement ps = c.prepareStatement("select idx, weight from weights"
          + " where version_id = ? and tensor = ? and idx < 3 order by idx")) {
        for (String t : List.of("conv1/b", "ip1/b")) {
          ps.setString(1, v2.id());
          ps.setString(2, t);
          List<String> rows = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rows.add(rs.getLong(1) + "=" + (float) rs.getDouble(2));
            }
          }
          Tensor expect = c1.tensorMap().get(t);
          assertEquals(List.of("0=" + (float) expect.valueAt(0), "1=" + (float) expect.valueAt(1),
              "2=" + (float) expect.valueAt(2)), rows);
        }
      }
    }
    Tensor b = c1.tensorMap().get("ip2/b");
    ModelHubAssert.that(url).query("select seq, idx, weight from weights, layers"
        + " where tensor = 'ip2/b' and idx = 3 and weights.version_id = '" + v1.id() + "'"
        + " and layers.version_id = weights.version_id and layers.name = 'ip2'")
        .returns("SEQ=7; IDX=3; WEIGHT=" + b.valueAt(3))
        .explainContains("tensors=[['ip2/b':VARCHAR(500)]]");
    ModelHubAssert.that(url).query("select tensor, count(*) as n from weights"
        + " where version_id = '" + v2.id() + "' and tensor in ('conv1/b', 'ip2/b')"
        + " group by tensor order by tensor")
        .returns("TENSOR=conv1/b; N=20", "TENSOR=ip2/b; N=10")
        .explainContains("tensors=[['conv1/b':VARCHAR(500), 'ip2/b':VARCHAR(500)]]");
  }

  @Test void tableFunctions() {
    ModelHubAssert.that(url)
        .query("select model, version, direction, depth, kind from table(lineage_of('lenet@1'))")
        .returns("MODEL=lenet; VERSION=2; DIRECTION=descendant; DEPTH=1; KIND=commit",
            "MODEL=lenet-copy; VERSION=1; DIRECTION=descendant; DEPTH=2; KIND=copy");
    try (Repository r = Repository.open(dir.resolve("repo"))) {
      ModelDiff.TensorDiff ip2 = ModelDiff.compute(r, v1, v2).tensors().stream()
          .filter(t -> t.name().equals("ip2/W")).findFirst().orElseThrow();
      ModelHubAssert.that(url)
          .query("select tensor, status, max_abs_diff, l2_distance, fraction_changed"
              + " from table(diff('lenet@1', 'lenet@2')) where status <> 'same'")
          .returns("TENSOR=ip2/W; STATUS=changed; MAX_ABS_DIFF=" + ip2.maxAbsDiff()
              + "; L2_DISTANCE=" + ip2.l2Distance() + "; FRACTION_CHANGED=1.0");
    }
    Tensor b = c1.tensorMap().get("ip2/b");
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    double sumSq = 0;
    for (int i = 0; i < b.numValues(); i++) {
      min = Math.min(min, b.valueAt(i));
      max = Math.max(max, b.valueAt(i));
      sumSq += b.valueAt(i) * b.valueAt(i);
    }
    ModelHubAssert.that(url)
        .query("select num_values, min_value, max_value, zero_fraction, l2_norm"
            + " from table(weight_stats('lenet@1')) where tensor = 'ip2/b'")
        .returns("NUM_VALUES=10; MIN_VALUE=" + min + "; MAX_VALUE=" + max
            + "; ZERO_FRACTION=0.0; L2_NORM=" + Math.sqrt(sumSq));
    ModelHubAssert.that(url).query("select * from table(weight_stats('nope@1'))")
        .throwsMessage("unknown version 'nope@1': no model named 'nope'");
  }

  @Test void writesSayWhichCommandDoesThatWork() {
    ModelHubAssert.that(url).query("insert into versions (id, model) values ('x', 'y')")
        .throwsMessage("table MODELHUB.VERSIONS is read-only: versions are created by"
            + " 'dlv commit'");
    ModelHubAssert.that(url).query("delete from weights")
        .throwsMessage("table MODELHUB.WEIGHTS is read-only");
    ModelHubAssert.that(url).query("update metrics set val = 0")
        .throwsMessage("metrics come from training logs");
    ModelHubAssert.that(url).query("delete from queries")
        .throwsMessage("dlv query --name");
    ModelHubAssert.that(url).query("merge into lineage l using versions v on l.child_id = v.id"
        + " when matched then update set kind = 'copy'")
        .throwsMessage("lineage is recorded by");
  }

  @Test void metadataDescribesEverything() throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      DatabaseMetaData md = c.getMetaData();
      assertEquals("ModelHub JDBC Driver", md.getDriverName());
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = md.getTables(null, "MODELHUB", "%", null)) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
      assertTrue(tables.containsAll(List.of("MODELS", "VERSIONS", "LINEAGE", "LAYERS",
          "EDGES", "TENSORS", "WEIGHTS", "METRICS", "HYPERPARAMS", "FILES", "QUERIES")),
          tables.toString());
      List<String> columns = new ArrayList<>();
      try (ResultSet rs = md.getColumns(null, "MODELHUB", "WEIGHTS", "%")) {
        while (rs.next()) {
          columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME"));
        }
      }
      assertEquals(List.of("VERSION_ID:VARCHAR(64) NOT NULL", "TENSOR:VARCHAR(500) NOT NULL",
          "IDX:BIGINT NOT NULL", "WEIGHT:DOUBLE NOT NULL"), columns);
      List<String> functions = new ArrayList<>();
      try (ResultSet rs = md.getFunctions(null, "MODELHUB", "%")) {
        while (rs.next()) {
          functions.add(rs.getString("FUNCTION_NAME").toUpperCase(Locale.ROOT));
        }
      }
      assertTrue(functions.containsAll(List.of("LINEAGE_OF", "DIFF", "WEIGHT_STATS")),
          functions.toString());
      List<String> schemas = new ArrayList<>();
      try (ResultSet rs = md.getSchemas()) {
        while (rs.next()) {
          schemas.add(rs.getString("TABLE_SCHEM"));
        }
      }
      assertTrue(schemas.contains("MODELHUB"), schemas.toString());
    }
  }
}
