package org.modelhub.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * DQL selects with a structural predicate ({@code .next has POOL("MAX")}) against the
 * equivalent SQL written by hand, both prepared once on the same {@code jdbc:modelhub:}
 * connection and run warm, over the generated repository of {@link SqlCatalogBench}
 * (10,000 versions x 50 layers). Prints p50 and p90 latencies and the p50 ratio; the
 * target is at most 1.2x.
 *
 * <p>Arguments: {@code [seeds] [versions-per-model] [seconds-per-query] [work-dir]}, as for
 * {@link SqlCatalogBench}.
 */
public final class DqlSelectBench {
  private static final double TARGET = 1.2;

  private DqlSelectBench() {
  }

  /**
   * The selection as SQL written by hand, in two forms: EXISTS over EDGES and LAYERS with
   * the method read exactly from ATTRS by JSON_VALUE, and a join whose every condition H2
   * can evaluate (the method by LIKE on the JSON text, exact for the generated attributes).
   */
  private static List<String> handWritten(String versionFilter, String sources, String method) {
    String exists = "SELECT v.ID, v.MODEL, v.VERSION, v.CREATED, v.NUM_PARAMS, v.MESSAGE"
        + " FROM VERSIONS v WHERE " + versionFilter + "EXISTS (SELECT 1 FROM EDGES e"
        + " JOIN LAYERS d ON d.VERSION_ID = e.VERSION_ID AND d.NAME = e.DST"
        + " WHERE e.VERSION_ID = v.ID AND " + sources + " AND d.TYPE = 'POOL'"
        + " AND UPPER(JSON_VALUE(d.ATTRS, '$.method')) = '" + method + "')"
        + " ORDER BY v.MODEL, v.VERSION";
    String join = "SELECT DISTINCT v.ID, v.MODEL, v.VERSION, v.CREATED, v.NUM_PARAMS,"
        + " v.MESSAGE FROM VERSIONS v JOIN EDGES e ON e.VERSION_ID = v.ID"
        + " JOIN LAYERS d ON d.VERSION_ID = e.VERSION_ID AND d.NAME = e.DST"
        + " WHERE " + versionFilter + sources + " AND d.TYPE = 'POOL'"
        + " AND d.ATTRS LIKE '%\"method\":\"" + method + "\"%'"
        + " ORDER BY v.MODEL, v.VERSION";
    return List.of(exists, join);
  }

  /** A DQL statement and its hand-written equivalents. */
  private record Case(String name, String dql, List<String> sql) { }

  private static String plan(Connection c, String statement) {
    return SqlCatalogBench.plan(c, new SqlCatalogBench.Query("", statement, null,
        List.<Object[]>of(new Object[0])));
  }

  public static void main(String[] args) throws Exception {
    GeneratedCatalog.Args a = GeneratedCatalog.Args.parse(args);
    GeneratedCatalog.Spec spec = a.spec();
    double seconds = a.seconds();
    Path work = a.work();
    Path repo = GeneratedCatalog.ensure(work, spec);
    List<Case> cases = List.of(
        new Case("family, norm[1,3,5] -> MAX",
            "select m where m.name like \"alexnet%\" and m[\"norm[1,3,5]\"].next has"
                + " POOL(\"MAX\")",
            handWritten("v.MODEL LIKE 'alexnet%' AND ",
                "e.SRC IN ('norm1', 'norm3', 'norm5')", "MAX")),
        new Case("model, bn* -> MAX",
            "select m where m.name like \"resnet50-pruned-3\" and m[\"bn*\"].next has"
                + " POOL(\"MAX\")",
            handWritten("v.MODEL LIKE 'resnet50-pruned-3' AND ", "e.SRC LIKE 'bn%'", "MAX")),
        new Case("all, bn7 -> AVG", "select m where m[\"bn7\"].next has POOL(\"AVG\")",
            handWritten("", "e.SRC = 'bn7'", "AVG")));
    List<Object[]> noParams = List.<Object[]>of(new Object[0]);

    Class.forName("org.modelhub.jdbc.Driver");
    try (Connection c = DriverManager.getConnection("jdbc:modelhub:" + repo)) {
      System.out.println("# DQL select with a structural predicate against the same selection"
          + " in hand-written SQL, both through one jdbc:modelhub: connection");
      System.out.println(String.format(Locale.ROOT, "# repository: %,d versions x %d layers"
          + " (generated, cached under bench/work); each statement prepared once, warmed"
          + " %.0f s, then run in turn %.2f s at a time for %.0f s; every row and column"
          + " read; microseconds; %d cores, Java %s; load average %s", spec.versions(),
          GeneratedCatalog.LAYERS, seconds / 2, SqlCatalogBench.SLICE, seconds,
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          BenchSupport.loadAverage()));
      System.out.printf(Locale.ROOT, "%-27s %5s %10s %10s %11s %10s %7s %6s%n", "query",
          "rows", "dql p50", "dql p90", "exists p50", "join p50", "p50 x", "<=1.2x");
      List<String> plans = new ArrayList<>();
      for (Case k : cases) {
        SqlCatalogBench.Query q = new SqlCatalogBench.Query(k.name(), k.dql(), k.sql().get(1),
            noParams);
        try (PreparedStatement dql = c.prepareStatement(k.dql());
             PreparedStatement exists = c.prepareStatement(k.sql().get(0));
             PreparedStatement join = c.prepareStatement(k.sql().get(1))) {
          int rows = SqlCatalogBench.checkSameRows(q, dql, join);
          SqlCatalogBench.checkSameRows(q, dql, exists);
          List<PreparedStatement> sides = List.of(dql, exists, join);
          List<Latencies> ls = List.of(new Latencies(), new Latencies(), new Latencies());
          List<Latencies> cpus = List.of(new Latencies(), new Latencies(), new Latencies());
          SqlCatalogBench.measure(q, sides, ls, cpus, seconds / 2, false);
          SqlCatalogBench.measure(q, sides, ls, cpus, seconds, true);
          double best = Math.min(ls.get(1).percentileMicros(50), ls.get(2).percentileMicros(50));
          double ratio = ls.get(0).percentileMicros(50) / best;
          System.out.printf(Locale.ROOT, "%-27s %5d %10.1f %10.1f %11.1f %10.1f %6.2fx %6s%n",
              k.name(), rows, ls.get(0).percentileMicros(50), ls.get(0).percentileMicros(90),
              ls.get(1).percentileMicros(50), ls.get(2).percentileMicros(50), ratio,
              ratio <= TARGET ? "yes" : "NO");
        }
        plans.add(k.name() + ":\n#     dql:    " + plan(c, k.dql()) + "\n#     exists: "
            + plan(c, k.sql().get(0)) + "\n#     join:   " + plan(c, k.sql().get(1)));
      }
      System.out.println("# p50 x: dql p50 over the better of the two hand-written forms;"
          + " rows checked equal on all three");
      System.out.println("# exists: EXISTS over EDGES and LAYERS, the method read exactly with"
          + " JSON_VALUE (which Calcite evaluates); join: a join that runs wholly inside H2,"
          + " the method matched by LIKE on the JSON text");
      for (Case k : cases) {
        System.out.println("# " + k.name() + ": " + k.dql());
        System.out.println("#   exists: " + k.sql().get(0));
        System.out.println("#   join:   " + k.sql().get(1));
      }
      System.out.println("# plans (EXPLAIN; Jdbc* operators run inside H2):");
      plans.forEach(p -> System.out.println("#   " + p));
      System.out.println("# load average at the end: " + BenchSupport.loadAverage());
    }
  }
}
