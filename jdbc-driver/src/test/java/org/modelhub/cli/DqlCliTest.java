package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.jdbc.PaperModels;
import org.modelhub.store.Repository;

/** DQL from {@code dlv query}: the paper's statements, saved statements as sources, errors. */
class DqlCliTest {
  @TempDir Path dir;
  Path repo;

  @BeforeEach void repository() {
    repo = dir.resolve("repo");
    try (Repository r = Repository.init(repo)) {
      PaperModels.commit(r);
    }
  }

  @Test void thePapersStatements() {
    DlvRun q1 = DlvRun.run(repo, "query", "--format", "csv", PaperModels.QUERY1).expect(0);
    String[] lines = q1.out.strip().split("\n");
    assertEquals("ID,MODEL,VERSION,CREATED,NUM_PARAMS,MESSAGE", lines[0]);
    assertEquals(3, lines.length, q1.out);
    assertTrue(lines[1].contains(",alexnet_caffe,1,") && lines[2].contains(",alexnet_maxv1,1,"),
        q1.out);

    // query 2 through SQL's DQL(...)
    DlvRun q2 = DlvRun.run(repo, "query", "--format", "csv", "select model, source, kind,"
        + " num_layers from table(dql('" + PaperModels.QUERY2.replace("'", "''") + "'))")
        .expect(0);
    assertEquals("MODEL,SOURCE,KIND,NUM_LAYERS\nalexnet-origin-slice,alexnet-origin@1,slice,20",
        q2.out.strip());

    DlvRun q3 = DlvRun.run(repo, "query", "--name", "query3", PaperModels.QUERY3).expect(0);
    assertTrue(q3.out.contains("alexnet-avgv1-construct"), q3.out);
    assertTrue(q3.err.contains("saved as \"query3\" with 1 version"), q3.err);
  }

  @Test void savedStatementsAreListedAndQueried() {
    DlvRun.run(repo, "query", "--name", "query3", PaperModels.QUERY3).expect(0);
    DlvRun listed = DlvRun.run(repo, "query", "--format", "csv",
        "select q.name, v.model from queries q join query_versions qv on qv.query = q.name"
            + " join versions v on v.id = qv.version_id").expect(0);
    assertEquals("NAME,MODEL\nquery3,alexnet-avgv1-construct", listed.out.strip());
    // the versions query3 made are a source; its relu1 and relu3 feed AVG pools
    DlvRun sel = DlvRun.run(repo, "query", "--format", "csv",
        "select m from \"query3\" where m[\"relu[1,3]\"].next has POOL(\"AVG\")").expect(0);
    assertTrue(sel.out.contains(",alexnet-avgv1-construct,1,"), sel.out);
    DlvRun none = DlvRun.run(repo, "query", "--format", "csv",
        "select m from \"query3\" where m[\"conv1\"].next has POOL(\"AVG\")").expect(0);
    assertEquals("ID,MODEL,VERSION,CREATED,NUM_PARAMS,MESSAGE", none.out.strip());
    // a saved select narrows a later construct
    DlvRun.run(repo, "query", "--name", "maxv", "select m where m.name like 'alexnet_max%'")
        .expect(0);
    DlvRun co = DlvRun.run(repo, "query", "--format", "csv", "construct m2 from \"maxv\""
        + " where m2[\"conv5\"] mutate m2[\"conv5\"].insert = BATCHNORM(\"bn5\")").expect(0);
    assertTrue(co.out.contains(",alexnet_maxv1-construct,1,")
        && co.out.contains(",alexnet_maxv1@1,construct,"), co.out);
  }

  @Test void explainAndErrors() {
    DlvRun plan = DlvRun.run(repo, "query", "explain " + PaperModels.QUERY2).expect(0);
    assertTrue(plan.out.contains("SLICE"), plan.out);
    DlvRun bad = DlvRun.run(repo, "query", "slice m2 from m1 mutate m2.input = m1[\"conv1\"]"
        + " and m2.outptu = m1[\"fc7\"]").expect(1);
    assertEquals("dlv query: error: DQL line 1, column 55: slice sets m2.input and m2.output, not"
        + " m2.outptu", bad.err.strip());
    DlvRun unknown = DlvRun.run(repo, "query", "select m from \"nosuch\" where like '%'")
        .expect(1);
    assertTrue(unknown.err.contains("no saved statement named \"nosuch\""), unknown.err);
  }
}
