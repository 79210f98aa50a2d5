package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Repository;

/**
 * DQL through the driver: the paper's three statements verbatim over real AlexNet and
 * CaffeNet definitions, from {@code Statement.execute} and from {@code TABLE(DQL(...))},
 * saved statements as sources, EXPLAIN, empty selections and errors.
 */
class DqlTest {
  @TempDir Path dir;
  String url;

  @BeforeEach void repository() {
    Path repo = dir.resolve("repo");
    try (Repository r = Repository.init(repo)) {
      PaperModels.commit(r);
    }
    url = "jdbc:modelhub:" + repo;
  }

  private List<String> run(String statement, String... columns) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
         Statement s = c.createStatement()) {
      assertTrue(s.execute(statement), "a DQL statement returns a result set");
      try (ResultSet rs = s.getResultSet()) {
        return project(rs, columns);
      }
    }
  }

  private static List<String> project(ResultSet rs, String... columns) throws SQLException {
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    while (rs.next()) {
      StringBuilder sb = new StringBuilder();
      for (String col : columns) {
        sb.append(sb.length() == 0 ? "" : " ").append(rs.getString(col));
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test void query1SelectsByNameTimeAndStructure() throws SQLException {
    assertEquals(List.of("alexnet_caffe 1", "alexnet_maxv1 1"),
        run(PaperModels.QUERY1, "MODEL", "VERSION"));
    // the same from plain SQL, with every column
    ModelHubAssert.that(url)
        .query("select model, version, message from table(dql('"
            + PaperModels.QUERY1.replace("'", "''") + "'))")
        .returns("MODEL=alexnet_caffe; VERSION=1;"
                + " MESSAGE=CaffeNet without relu1: conv1 feeds pool1",
            "MODEL=alexnet_maxv1; VERSION=1; MESSAGE=no relu5: conv5 feeds pool5");
  }

  @Test void selectPredicates() throws SQLException {
    assertEquals(List.of("alexnet-avgv1", "alexnet-origin", "alexnet_caffe", "alexnet_maxv1",
        "alexnet_old"), run("select m where like \"alexnet%\"", "MODEL"));
    assertEquals(List.of("alexnet_old"),
        run("select m where m.name like 'alexnet%' and m.creation_time < '2015-11-22'", "MODEL"));
    assertEquals(List.of("caffenet", "lenet"),
        run("select m where not m.name like 'alexnet%'", "MODEL"));
    assertEquals(List.of("alexnet-avgv1"),
        run("select m where m[\"conv*\"].next has POOL(\"AVG\")", "MODEL"));
    // and binds tighter than or; parentheses regroup
    String lrn = "m[\"pool1\"].prev has LRN()";
    String conv = "m[\"pool1\"].prev has CONV()";
    String relu = "m[\"conv1\"].next has RELU()";
    assertEquals(List.of("alexnet-avgv1", "alexnet-origin", "alexnet_caffe", "alexnet_maxv1",
        "alexnet_old", "lenet"),
        run("select m where " + lrn + " or " + conv + " and not " + relu, "MODEL"));
    assertEquals(List.of("alexnet-avgv1", "alexnet_caffe", "lenet"),
        run("select m where (" + lrn + " or " + conv + ") and not " + relu, "MODEL"));
    assertEquals(List.of("lenet"), run("select m where m[\"ip*\"] has FC(500)", "MODEL"));
  }

  @Test void aSelectorThatMatchesNothingIsAnEmptyResult() throws SQLException {
    assertEquals(List.of(), run("select m where m[\"nosuch*\"].next has POOL(\"MAX\")", "ID"));
    assertEquals(List.of(), run("slice m2 from m1 where m1.name like \"nosuch%\""
        + " mutate m2.input = m1[\"conv1\"] and m2.output = m1[\"fc7\"]", "ID"));
    assertEquals(List.of(), run("construct m2 from m1 where m1[\"nosuch*($1)\"].next has RELU()"
        + " mutate m1[\"nosuch*($1)\"].insert = RELU(\"r$1\")", "ID"));
  }

  @Test void query2SlicesConv1ToFc7() throws SQLException {
    List<String> rows = run(PaperModels.QUERY2, "MODEL", "VERSION", "SOURCE", "KIND",
        "NUM_LAYERS");
    assertEquals(List.of("alexnet-origin-slice 1 alexnet-origin@1 slice 20"), rows);
    ModelHubAssert.that(url)
        .query("select l.name, l.type from layers l join versions v on l.version_id = v.id"
            + " where v.model = 'alexnet-origin-slice' and l.name in ('conv1', 'fc7', 'fc8',"
            + " 'data', 'prob') order by l.name")
        .returns("NAME=conv1; TYPE=CONV", "NAME=fc7; TYPE=FC")
        .query("select p.model as parent, l.kind from lineage l"
            + " join versions p on l.parent_id = p.id join versions c on l.child_id = c.id"
            + " where c.model = 'alexnet-origin-slice'")
        .returns("PARENT=alexnet-origin; KIND=slice");
  }

  @Test void sliceKeepsTheWeightsOfKeptLayersOnce() throws SQLException {
    assertEquals(List.of("lenet-slice 1 0"), run("slice m2 from m1 where m1.name like 'lenet'"
        + " mutate m2.input = m1[\"conv1\"] and m2.output = m1[\"ip1\"]", "MODEL", "VERSION",
        "STORED_BYTES"));
    // the kept tensors are the source's objects, not copies
    ModelHubAssert.that(url)
        .query("select s.name, s.object_id = o.object_id as same from tensors s"
            + " join versions sv on s.version_id = sv.id"
            + " join tensors o on o.name = s.name"
            + " join versions ov on o.version_id = ov.id"
            + " where sv.model = 'lenet-slice' and ov.model = 'lenet' order by s.name")
        .returns("NAME=conv1/W; SAME=true", "NAME=conv1/b; SAME=true",
            "NAME=conv2/W; SAME=true", "NAME=conv2/b; SAME=true",
            "NAME=ip1/W; SAME=true", "NAME=ip1/b; SAME=true");
  }

  @Test void query3InsertsReluAfterTheConvsThatFeedAvgPools() throws SQLException {
    List<String> rows = run(PaperModels.QUERY3, "MODEL", "VERSION", "SOURCE", "KIND",
        "CHANGES");
    assertEquals(1, rows.size(), rows.toString());
    assertTrue(rows.get(0).startsWith("alexnet-avgv1-construct 1 alexnet-avgv1@1 construct"),
        rows.get(0));
    ModelHubAssert.that(url)
        .query("select e.src, e.dst from edges e join versions v on e.version_id = v.id"
            + " where v.model = 'alexnet-avgv1-construct' and e.src like 'conv%'"
            + " order by e.src")
        .returns("SRC=conv1; DST=relu1", "SRC=conv2; DST=relu2", "SRC=conv3; DST=relu3",
            "SRC=conv4; DST=relu4", "SRC=conv5; DST=relu5")
        .query("select e.src, e.dst from edges e join versions v on e.version_id = v.id"
            + " where v.model = 'alexnet-avgv1-construct' and e.dst like 'pool%'"
            + " order by e.src")
        .returns("SRC=norm2; DST=pool2", "SRC=relu1; DST=pool1", "SRC=relu3; DST=pool3",
            "SRC=relu5; DST=pool5");
  }

  @Test void savedStatementsAreSources() throws SQLException {
    ModelHubAssert.that(url)
        .query("select m from \"query3\" where like '%'")
        .throwsMessage("no saved statement named \"query3\"");
  }

  @Test void explainPrintsTheCalcitePlan() throws SQLException {
    List<String> plan = run("explain " + PaperModels.QUERY1, "PLAN");
    assertEquals(1, plan.size());
    String p = plan.get(0);
    assertTrue(p.contains("VERSIONS") && p.contains("LAYERS") && p.contains("EDGES"), p);
    List<String> plan3 = run("explain " + PaperModels.QUERY3, "PLAN");
    assertTrue(plan3.get(0).contains("CONSTRUCT"), plan3.get(0));
    // explaining a construct creates nothing
    assertEquals(List.of(), run("select m where like 'alexnet-avgv1-construct'", "ID"));
  }

  @Test void sqlStillWorksAndErrorsAreOneLine() throws SQLException {
    ModelHubAssert.that(url)
        .query("select count(*) as n from versions where model like 'alexnet%'")
        .returns("N=5")
        .query("select m1 where m1.name like")
        .throwsMessage("DQL line 1, column 29: unexpected end of statement; expected a string")
        .query("construct m2 from m1 mutate m1[\"conv*($1)\"].insert = RELU(\"relu$2\")")
        .throwsMessage("$2 is not captured");
  }
}
