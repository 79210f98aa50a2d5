package org.modelhub.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.runtime.Hook;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.jdbc.DirectQuery;

/**
 * Typical catalog queries (name pattern, layer type, lineage to depth 10, aggregates) through
 * the {@code jdbc:modelhub:} driver against the same queries written by hand on the H2
 * catalog, both prepared once and run warm in the same JVM (H2 shares one database between
 * the connections of a process). Prints p50 and p90 latencies and the driver's p50 ratio.
 *
 * <p>Arguments: {@code [seeds] [versions-per-model] [seconds-per-query] [work-dir]}; the
 * defaults make 10 x 10 x 5 = 500 models of 20 versions, 10,000 versions of 50 layers,
 * generated once under {@code bench/work/}.
 */
public final class SqlCatalogBench {
  private static final double TARGET = 1.5;
  static final double SLICE = 0.25;
  static final int MIN_RUNS = 10;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private SqlCatalogBench() {
  }

  /** A query as the driver runs it and as written by hand on H2, with parameter sets. */
  /** A query on both sides; {@code target}: whether the ratio target applies. */
  record Query(String name, String driverSql, String h2Sql, List<Object[]> params,
      boolean target) {
    Query(String name, String driverSql, String h2Sql, List<Object[]> params) {
      this(name, driverSql, h2Sql, params, true);
    }
  }

  public static void main(String[] args) throws Exception {
    GeneratedCatalog.Args a = GeneratedCatalog.Args.parse(args);
    GeneratedCatalog.Spec spec = a.spec();
    double seconds = a.seconds();
    Path work = a.work();
    long t0 = System.nanoTime();
    Path repo = GeneratedCatalog.ensure(work, spec);
    double genSeconds = (System.nanoTime() - t0) / 1e9;

    Class.forName("org.modelhub.jdbc.Driver");
    try (Connection driver = DriverManager.getConnection("jdbc:modelhub:" + repo)) {
      String h2Url = driver.unwrap(CalciteConnection.class).getRootSchema()
          .subSchemas().get(ModelHubSchema.NAME).unwrap(ModelHubSchema.class).repository()
          .catalog().url();
      try (Connection h2 = DriverManager.getConnection(h2Url, "sa", "")) {
        h2.setReadOnly(true);
        run(driver, h2, spec, genSeconds, seconds);
      }
    }
  }

  private static void run(Connection driver, Connection h2, GeneratedCatalog.Spec spec,
      double genSeconds, double seconds) throws SQLException {
    List<Query> queries = queries(h2, spec);
    System.out.println("# catalog queries through jdbc:modelhub: against the same SQL written"
        + " by hand on the H2 catalog (PUBLIC tables), same JVM");
    System.out.println(String.format(Locale.ROOT, "# repository: %,d versions x %d layers"
        + " (%d models; %,d LAYERS rows, %,d LINEAGE rows, %,d METRICS rows)%s",
        count(h2, "VERSIONS"), GeneratedCatalog.LAYERS, count(h2, "MODELS"),
        count(h2, "LAYERS"), count(h2, "LINEAGE"), count(h2, "METRICS"),
        genSeconds > 5 ? String.format(Locale.ROOT, ", generated in %.0f s", genSeconds)
            : ", cached under bench/work"));
    System.out.println(String.format(Locale.ROOT, "# each query prepared once per connection,"
        + " warmed %.0f s, then run in turn, %.2f s at a time, for %.0f s (at least %d"
        + " runs); every row and column read; microseconds; %d cores, Java %s; load"
        + " average %s", seconds / 2, SLICE, seconds, MIN_RUNS,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), BenchSupport.loadAverage()));
    System.out.printf(Locale.ROOT, "%-23s %5s %10s %10s %10s %10s %6s %6s %6s %9s%n",
        "query", "rows", "driver p50", "driver p90", "h2 p50", "h2 p90", "p50 x", "<=1.5x",
        "cpu x", "h2-sent");
    String only = System.getProperty("modelhub.bench.only", "");
    List<String> plans = new ArrayList<>();
    for (Query q : queries) {
      if (!only.isEmpty() && !List.of(only.split(",")).contains(q.name())) {
        continue;
      }
      List<String> generated = new ArrayList<>();
      boolean direct;
      Hook.Closeable hook = Hook.QUERY_PLAN.addThread(
          (Consumer<Object>) sql -> generated.add(String.valueOf(sql)));
      try (PreparedStatement d = prepare(driver, q.driverSql(), hook);
           PreparedStatement h = h2.prepareStatement(q.h2Sql());
           PreparedStatement sent = d.isWrapperFor(DirectQuery.class)
               ? h2.prepareStatement(d.unwrap(DirectQuery.class).sql())
               : generated.size() == 1 ? h2.prepareStatement(generated.get(0)) : null) {
        int rows = checkSameRows(q, d, h);
        List<PreparedStatement> sides = new ArrayList<>(List.of(d, h));
        if (sent != null) {
          sides.add(sent);
        }
        List<Latencies> ls = new ArrayList<>();
        List<Latencies> cpus = new ArrayList<>();
        sides.forEach(x -> {
          ls.add(new Latencies());
          cpus.add(new Latencies());
        });
        measure(q, sides, ls, cpus, seconds / 2, false);
        measure(q, sides, ls, cpus, seconds, true);
        double cpuRatio = cpus.get(0).percentileMicros(50) / cpus.get(1).percentileMicros(50);
        double ratio = ls.get(0).percentileMicros(50) / ls.get(1).percentileMicros(50);
        System.out.printf(Locale.ROOT,
            "%-23s %5d %10.1f %10.1f %10.1f %10.1f %5.2fx %6s %5.2fx %9s%n",
            q.name(), rows, ls.get(0).percentileMicros(50), ls.get(0).percentileMicros(90),
            ls.get(1).percentileMicros(50), ls.get(1).percentileMicros(90), ratio,
            !q.target() ? "info" : ratio <= TARGET ? "yes" : "NO", cpuRatio,
            p50(ls, sent != null ? 2 : -1));
        direct = d.isWrapperFor(DirectQuery.class);
      }
      plans.add(q.name() + ": " + (direct ? "[direct] " : "") + plan(driver, q));
    }
    System.out.println("# rows: per execution, averaged over the parameter sets (the same"
        + " on both sides, checked); parameters rotate so that H2 cannot reuse a result");
    System.out.println("# cpu x: the same ratio of p50s in CPU time of the running thread,"
        + " which other processes on the machine disturb less than wall time");
    System.out.println("# h2-sent: p50 of the SQL the driver sends to H2 (on the PUBLIC tables"
        + " behind the MODELHUB views, joined as tables), run directly on H2: the part of the"
        + " driver's time spent inside H2");
    System.out.println("# driver plans (EXPLAIN PLAN; Jdbc* operators run inside H2; [direct]:"
        + " the prepared statement takes the driver's direct path, its SQL run on H2 and H2's"
        + " rows returned without Calcite's per-execution code, see docs/sql.md):");
    for (String p : plans) {
      System.out.println("#   " + p);
    }
    System.out.println("# lineage-10 (recursive): the same WITH RECURSIVE on both sides:"
        + " ancestors within 10 hops, joined with VERSIONS. The driver runs it inside H2 as one"
        + " statement (JdbcRecursiveUnion: Calcite's RepeatUnion written back as WITH RECURSIVE,"
        + " see docs/sql.md)");
    System.out.println("# lineage-10 (LINEAGE_OF, info): TABLE(LINEAGE_OF(?, 10, 'ancestor')),"
        + " the model operator (one row per version at its least depth, with edge kind and the"
        + " version it was reached from) against the same WITH RECURSIVE on H2: a table function"
        + " runs in Calcite, with its fixed cost per execution, so the 1.5x target is for the"
        + " SQL form above");
    System.out.println("# name-pattern: MODEL LIKE ? and a TIMESTAMP literal (a TIMESTAMP ?"
        + " parameter reaches H2 as a number through the driver and fails)");
    System.out.println("# layer-type (model): H2 picks the LAYERS_TYPE index for TYPE = ? on"
        + " both paths, so every execution visits all layers of that type");
    System.out.println("# load average at the end: " + BenchSupport.loadAverage());
  }

  private static String p50(List<Latencies> ls, int side) {
    return side < 0 ? "-" : String.format(Locale.ROOT, "%.1f", ls.get(side).percentileMicros(50));
  }

  /** Prepares through the driver, recording (in {@code hook}) the SQL it sends to H2. */
  private static PreparedStatement prepare(Connection driver, String sql, Hook.Closeable hook)
      throws SQLException {
    try (hook) {
      return driver.prepareStatement(sql);
    }
  }

  /**
   * Runs the statements in turn for about {@code seconds}, each for a slice of {@link #SLICE}
   * seconds at a time: long enough that a path runs with its code and data warm in the
   * caches, as it would in a program that uses only one of them, and short enough that a
   * change in the machine's load falls on all of them alike. The order of the paths rotates
   * every round, and each path walks the parameter sets from its own offset, so that no path
   * finds H2's page cache warmed for its parameters by the path before it.
   */
  static void measure(Query q, List<PreparedStatement> sides, List<Latencies> ls,
      List<Latencies> cpus, double seconds, boolean record) throws SQLException {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    int sets = q.params().size();
    int[] runs = new int[sides.size()];
    for (int round = 0; System.nanoTime() < end || record && ls.get(0).count() < MIN_RUNS;
        round++) {
      for (int k = 0; k < sides.size(); k++) {
        int side = (round + k) % sides.size();
        long sliceEnd = System.nanoTime() + (long) (SLICE * 1e9);
        do {
          Object[] params = q.params().get((runs[side]++ + side * sets / sides.size()) % sets);
          long c = THREADS.getCurrentThreadCpuTime();
          long t = System.nanoTime();
          execute(sides.get(side), params);
          long ns = System.nanoTime() - t;
          long cpu = THREADS.getCurrentThreadCpuTime() - c;
          if (record) {
            ls.get(side).add(ns);
            cpus.get(side).add(cpu);
          }
        } while (System.nanoTime() < sliceEnd);
      }
    }
  }

  /** Executes and reads every column of every row; returns the row count. */
  static int execute(PreparedStatement s, Object[] params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      s.setObject(i + 1, params[i]);
    }
    int rows = 0;
    try (ResultSet rs = s.executeQuery()) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int c = 1; c <= columns; c++) {
          rs.getObject(c);
        }
        rows++;
      }
    }
    return rows;
  }

  /** Fails unless both sides return as many rows for every parameter set. */
  static int checkSameRows(Query q, PreparedStatement d, PreparedStatement h)
      throws SQLException {
    long total = 0;
    for (Object[] params : q.params()) {
      int a = execute(d, params);
      int b = execute(h, params);
      if (a != b || a == 0) {
        throw new IllegalStateException(q.name() + ": driver returns " + a + " rows, H2 " + b
            + ", for " + java.util.Arrays.toString(params));
      }
      total += a;
    }
    return (int) Math.round((double) total / q.params().size());
  }

  static String plan(Connection driver, Query q) {
    try (PreparedStatement s = driver.prepareStatement("EXPLAIN PLAN FOR " + q.driverSql())) {
      Object[] params = q.params().get(0);
      for (int i = 0; i < params.length; i++) {
        s.setObject(i + 1, params[i]);
      }
      StringBuilder sb = new StringBuilder();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          for (String line : rs.getString(1).split("\n")) {
            String op = line.trim();
            int paren = op.indexOf('(');
            sb.append(sb.length() == 0 ? "" : " <- ")
                .append(paren < 0 ? op : op.substring(0, paren));
          }
        }
      }
      return sb.toString();
    } catch (SQLException e) {
      return "(no plan: " + e.getMessage() + ")";
    }
  }

  private static long count(Connection h2, String table) throws SQLException {
    try (PreparedStatement s = h2.prepareStatement("SELECT COUNT(*) FROM PUBLIC." + table);
         ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String versionId(Connection h2, String model, int version)
      throws SQLException {
    try (PreparedStatement s = h2.prepareStatement(
        "SELECT ID FROM PUBLIC.VERSIONS WHERE MODEL = ? AND VERSION = ?")) {
      s.setString(1, model);
      s.setInt(2, version);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static List<Query> queries(Connection h2, GeneratedCatalog.Spec spec)
      throws SQLException {
    List<Query> qs = new ArrayList<>();
    int families = GeneratedCatalog.FAMILIES.size();
    int variants = GeneratedCatalog.VARIANTS.size();
    int seeds = spec.seeds();
    int last = spec.versionsPerModel();

    List<Object[]> patterns = new ArrayList<>();
    List<Object[]> models = new ArrayList<>();
    List<Object[]> modelTypes = new ArrayList<>();
    List<Object[]> families2 = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      int f = i % families;
      int v = 1 + (i * 3) % (variants - 1);
      int s = 1 + i % seeds;
      String family = GeneratedCatalog.FAMILIES.get(f);
      patterns.add(new Object[] {family + "-" + GeneratedCatalog.VARIANTS.get(v) + "-%"});
      String model = GeneratedCatalog.modelName(f, v, s);
      models.add(new Object[] {model});
      modelTypes.add(new Object[] {model, i % 2 == 0 ? "POOL" : "CONV"});
      families2.add(new Object[] {family + "-%"});
    }

    // the date is a literal: a TIMESTAMP parameter reaches H2 as a number (see the report)
    String nameSql = "SELECT MODEL, VERSION, CREATED, AUTHOR, NUM_PARAMS FROM %1$sVERSIONS"
        + " WHERE MODEL LIKE ? AND CREATED > TIMESTAMP '2017-06-01 00:00:00'"
        + " ORDER BY MODEL, VERSION";
    qs.add(new Query("name-pattern", String.format(Locale.ROOT, nameSql, ""),
        String.format(Locale.ROOT, nameSql, "PUBLIC."), patterns));

    // the driver's LAYERS calls the PUBLIC table's ORDINAL column SEQ. ATTRS was a CLOB in
    // PUBLIC.LAYERS before catalog version 5 and is text now; the hand-written query keeps
    // the CAST it needed then.
    List<String> types = List.of("POOL", "CONV", "RELU", "BATCHNORM");
    List<Object[]> versionTypes = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      versionTypes.add(new Object[] {versionId(h2, (String) models.get(i)[0], 1 + i % last),
          types.get(i % types.size())});
    }
    String versionLayerSql = "SELECT l.NAME, l.%2$s, l.NUM_PARAMS, %3$s AS ATTRS"
        + " FROM %1$sLAYERS l WHERE l.VERSION_ID = ? AND l.TYPE = ? ORDER BY l.%2$s";
    qs.add(new Query("layer-type (version)", String.format(Locale.ROOT, versionLayerSql, "",
        "SEQ", "l.ATTRS"), String.format(Locale.ROOT, versionLayerSql, "PUBLIC.",
        "ORDINAL", "CAST(l.ATTRS AS VARCHAR)"), versionTypes));

    String layerSql = "SELECT v.VERSION, l.NAME, l.%2$s, l.NUM_PARAMS"
        + " FROM %1$sVERSIONS v JOIN %1$sLAYERS l ON l.VERSION_ID = v.ID"
        + " WHERE v.MODEL = ? AND l.TYPE = ? ORDER BY v.VERSION, l.%2$s";
    qs.add(new Query("layer-type (model)", String.format(Locale.ROOT, layerSql, "",
        "SEQ"), String.format(Locale.ROOT, layerSql, "PUBLIC.", "ORDINAL"),
        modelTypes));

    // ancestors within 10 hops of versions deep enough to have them
    List<Object[]> starts = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String model = GeneratedCatalog.modelName(i % families, 1 + i % (variants - 1),
          1 + i % seeds);
      starts.add(new Object[] {versionId(h2, model, Math.max(1, last - i % 5))});
    }
    String cte = "WITH RECURSIVE A (ID, DEPTH) AS ("
        + " SELECT PARENT_ID, 1 FROM %1$sLINEAGE WHERE CHILD_ID = ?"
        + " UNION ALL SELECT l.PARENT_ID, a.DEPTH + 1 FROM A a"
        + " JOIN %1$sLINEAGE l ON l.CHILD_ID = a.ID WHERE a.DEPTH < 10)"
        + " SELECT v.ID, v.MODEL, v.VERSION, a.DEPTH FROM A a"
        + " JOIN %1$sVERSIONS v ON v.ID = a.ID ORDER BY a.DEPTH";
    String h2Cte = String.format(Locale.ROOT, cte, "PUBLIC.");
    qs.add(new Query("lineage-10 (recursive)", String.format(Locale.ROOT, cte, ""), h2Cte,
        starts));
    qs.add(new Query("lineage-10 (LINEAGE_OF)",
        "SELECT ID, MODEL, VERSION, DEPTH FROM TABLE(LINEAGE_OF(?, 10, 'ancestor'))"
            + " ORDER BY DEPTH", h2Cte, starts, false));

    List<Object[]> minVersions = new ArrayList<>();
    for (int i = 1; i <= 16; i++) {
      minVersions.add(new Object[] {1 + (i * 7) % last});
    }
    String modelsSql = "SELECT MODEL, COUNT(*) AS N, MIN(CREATED) AS FIRST_AT,"
        + " MAX(CREATED) AS LAST_AT, SUM(NUM_PARAMS) AS PARAMS FROM %1$sVERSIONS"
        + " WHERE VERSION >= ? GROUP BY MODEL ORDER BY MODEL";
    qs.add(new Query("agg-models", String.format(Locale.ROOT, modelsSql, ""),
        String.format(Locale.ROOT, modelsSql, "PUBLIC."), minVersions));

    String typesSql = "SELECT l.TYPE, COUNT(*) AS N, SUM(l.NUM_PARAMS) AS PARAMS"
        + " FROM %1$sLAYERS l JOIN %1$sVERSIONS v ON v.ID = l.VERSION_ID"
        + " WHERE v.MODEL = ? GROUP BY l.TYPE ORDER BY l.TYPE";
    qs.add(new Query("agg-layer-types", String.format(Locale.ROOT, typesSql, ""),
        String.format(Locale.ROOT, typesSql, "PUBLIC."), models));

    String bestSql = "SELECT v.MODEL, MAX(m.VAL) AS BEST, COUNT(DISTINCT v.ID) AS N"
        + " FROM %1$sMETRICS m JOIN %1$sVERSIONS v ON v.ID = m.VERSION_ID"
        + " WHERE m.NAME = 'accuracy' AND v.MODEL LIKE ? GROUP BY v.MODEL ORDER BY BEST DESC";
    qs.add(new Query("agg-best-accuracy", String.format(Locale.ROOT, bestSql, ""),
        String.format(Locale.ROOT, bestSql, "PUBLIC."), families2));
    return qs;
  }
}
