package org.modelhub.store.catalog;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.ObjectInfo;

/**
 * The H2 catalog of a repository and the queries the store runs on it. One connection, one
 * writer: a commit is a single transaction, so a version is either wholly visible or not at
 * all.
 */
public final class Catalog implements AutoCloseable {
  private static final String VERSION_COLUMNS = "ID, MODEL, VERSION, CREATED, AUTHOR, MESSAGE,"
      + " FORMAT, NETWORK_NAME, NUM_LAYERS, NUM_PARAMS, RAW_BYTES, STORED_BYTES";
  private static final String OBJECT_COLUMNS =
      "SHA256, OBJECT_ID, ENCODING, COMPRESSION, BASE, RAW_BYTES, STORED_BYTES, DELTA_OP,"
      + " CHAIN_DEPTH, PLANE_CODECS, PLANE_BYTES, PLANE_CRC, LOSSY, MAX_ABS_ERROR, RMSE,"
      + " DECODED_SHA256, OBJECT_BATCH";

  /** The H2 user that may only SELECT from the MODELHUB views (SQL clients connect as it). */
  public static final String READER = "MODELHUB_READER";

  /**
   * {@link #lineageAround}: walks up from ?1 in UP at most ?2 hops and down in DOWN at most
   * ?3 hops (a negative bound skips that direction), then reads the edges out of the
   * versions it reached (joined, not tested with IN: H2 would run the recursion again for
   * each edge it tests).
   */
  private static final String LINEAGE_AROUND = "WITH RECURSIVE"
      + " UP(ID, DEPTH) AS (SELECT CAST(?1 AS CHAR(64)), 0 WHERE ?2 >= 0 UNION ALL"
      + " SELECT DISTINCT l.PARENT_ID, u.DEPTH + 1 FROM UP u JOIN LINEAGE l ON l.CHILD_ID = u.ID"
      + " WHERE u.DEPTH < ?2 AND u.DEPTH < (SELECT COUNT(*) FROM VERSIONS)),"
      + " DOWN(ID, DEPTH) AS (SELECT CAST(?1 AS CHAR(64)), 0 WHERE ?3 >= 0 UNION ALL"
      + " SELECT DISTINCT l.CHILD_ID, d.DEPTH + 1 FROM DOWN d JOIN LINEAGE l ON l.PARENT_ID = d.ID"
      + " WHERE d.DEPTH < ?3 AND d.DEPTH < (SELECT COUNT(*) FROM VERSIONS))"
      + " SELECT TRUE, l.PARENT_ID, l.CHILD_ID, l.KIND, l.ORDINAL, "
      + prefixed("v.", VERSION_COLUMNS) + " FROM (SELECT DISTINCT ID FROM UP) u"
      + " JOIN LINEAGE l ON l.CHILD_ID = u.ID JOIN VERSIONS v ON v.ID = l.PARENT_ID"
      + " UNION ALL SELECT FALSE, l.PARENT_ID, l.CHILD_ID, l.KIND, l.ORDINAL, "
      + prefixed("v.", VERSION_COLUMNS) + " FROM (SELECT DISTINCT ID FROM DOWN) d"
      + " JOIN LINEAGE l ON l.PARENT_ID = d.ID JOIN VERSIONS v ON v.ID = l.CHILD_ID";

  private final Connection conn;
  private final String url;
  /**
   * Statements by SQL text, prepared on first use and kept, so that H2 parses and plans each
   * once (its own cache keeps a few per session); least recently used first, at most
   * {@link #KEPT_STATEMENTS}.
   */
  private final Map<String, PreparedStatement> statements =
      new LinkedHashMap<>(16, 0.75f, true);
  private static final int KEPT_STATEMENTS = 64;

  private Catalog(Connection conn, String url) {
    this.conn = requireNonNull(conn, "conn");
    this.url = url;
  }

  /** Opens (creating if needed) the catalog at an H2 URL and brings its tables up to date. */
  public static Catalog open(String url) {
    try {
      // H2's driver directly, not DriverManager: a tool that loads ModelHub in a class loader
      // of its own (DBeaver) has H2 there too, where DriverManager does not look
      Properties props = new Properties();
      props.setProperty("user", "sa");
      props.setProperty("password", "");
      Connection c = org.h2.Driver.load().connect(url, props);
      // each transaction is written to the file as it commits: by default H2 writes it within
      // half a second, and a process killed meanwhile (a server, after a commit over JDBC had
      // returned) lost it. The file is not synced at each commit (that cost 5-6 ms a commit):
      // see sync(). A setting of the database, which takes admin rights: not in the URL, which
      // the SQL layer's own connections reuse
      try (Statement s = c.createStatement()) {
        s.execute("SET WRITE_DELAY 0");
      }
      Catalog catalog = new Catalog(c, url);
      // the DDL runs when the catalog is new or older than this code, not on every open:
      // replacing a view while another session reads through it would disturb that reader
      if (!catalog.upToDate()) {
        try (Statement s = c.createStatement()) {
          for (String ddl : CatalogSchema.DDL) {
            s.execute(ddl);
          }
        }
        catalog.putSetting("catalog.version", Integer.toString(CatalogSchema.VERSION));
      }
      return catalog;
    } catch (SQLException e) {
      if (e.getErrorCode() == 90020) {
        throw new ModelHubException("the repository catalog is in use by another process ("
            + url + "); only one writer at a time", e);
      }
      throw new ModelHubException("cannot open the catalog " + url + ": " + e.getMessage(), e);
    }
  }

  /** The JDBC URL this catalog was opened with. */
  public String url() {
    return url;
  }

  /**
   * The URL for {@link #READER} sessions: without settings only an administrator may give
   * (the in-memory {@code DB_CLOSE_DELAY}, which the owner's connection already set).
   */
  public String readerUrl() {
    return url.replaceAll(";DB_CLOSE_DELAY=[^;]*", "");
  }

  /** The live connection, for read-only SQL by the layers above. */
  public Connection connection() {
    return conn;
  }

  // ---- settings ------------------------------------------------------------------------

  private boolean upToDate() throws SQLException {
    try (Statement s = conn.createStatement();
         ResultSet rs = s.executeQuery("SELECT VAL FROM SETTINGS WHERE NAME = 'catalog.version'")) {
      return rs.next() && Integer.toString(CatalogSchema.VERSION).equals(rs.getString(1));
    } catch (SQLException e) {
      if (e.getErrorCode() == 42102 || e.getErrorCode() == 42104) {
        return false; // no SETTINGS table yet: a new catalog
      }
      throw e;
    }
  }

  public Optional<String> setting(String name) {
    return queryOne("SELECT VAL FROM SETTINGS WHERE NAME = ?", rs -> rs.getString(1), name);
  }

  public void putSetting(String name, String value) {
    update("MERGE INTO SETTINGS (NAME, VAL) KEY (NAME) VALUES (?, ?)", name, value);
  }

  // ---- models and versions -------------------------------------------------------------

  public List<ModelInfo> models() {
    return query("SELECT NAME, CREATED, LATEST_VERSION, VERSION_COUNT FROM MODELS ORDER BY NAME",
        Catalog::model);
  }

  public Optional<ModelInfo> model(String name) {
    return queryOne("SELECT NAME, CREATED, LATEST_VERSION, VERSION_COUNT FROM MODELS"
        + " WHERE NAME = ?", Catalog::model, name);
  }

  public List<VersionInfo> versions(String model) {
    return query("SELECT " + VERSION_COLUMNS + " FROM VERSIONS WHERE MODEL = ? ORDER BY VERSION",
        Catalog::version, model);
  }

  public List<VersionInfo> allVersions() {
    return query("SELECT " + VERSION_COLUMNS + " FROM VERSIONS ORDER BY MODEL, VERSION",
        Catalog::version);
  }

  public Optional<VersionInfo> version(String id) {
    return queryOne("SELECT " + VERSION_COLUMNS + " FROM VERSIONS WHERE ID = ?",
        Catalog::version, id);
  }

  public Optional<VersionInfo> version(String model, int number) {
    return queryOne("SELECT " + VERSION_COLUMNS + " FROM VERSIONS WHERE MODEL = ? AND VERSION = ?",
        Catalog::version, model, number);
  }

  /** Versions whose content id starts with {@code prefix} (at most a few). */
  public List<VersionInfo> versionsByIdPrefix(String prefix) {
    return query("SELECT " + VERSION_COLUMNS + " FROM VERSIONS WHERE ID LIKE ? ORDER BY ID"
        + " FETCH FIRST 10 ROWS ONLY", Catalog::version,
        prefix.toLowerCase(Locale.ROOT) + "%");
  }

  public List<LineageEdge> parents(String id) {
    return query("SELECT PARENT_ID, CHILD_ID, KIND, ORDINAL FROM LINEAGE WHERE CHILD_ID = ?"
        + " ORDER BY ORDINAL", Catalog::edge, id);
  }

  public List<LineageEdge> children(String id) {
    return query("SELECT PARENT_ID, CHILD_ID, KIND, ORDINAL FROM LINEAGE WHERE PARENT_ID = ?"
        + " ORDER BY CHILD_ID", Catalog::edge, id);
  }

  public List<LineageEdge> lineage() {
    return query("SELECT PARENT_ID, CHILD_ID, KIND, ORDINAL FROM LINEAGE", Catalog::edge);
  }

  /**
   * Every lineage edge among the ancestors of {@code id} (going up) and among its descendants
   * (going down), each with the version at its far end, in one recursive query. Each step of
   * the recursion keeps distinct versions only, so a version reached by many paths costs one
   * row per depth, not one per path; the depth bound (the number of versions) ends a walk
   * around a cycle, which commits cannot make.
   *
   * @param upHops the edges out of ancestors at most this many hops away come back: 0 gives
   *     the edges to the parents of {@code id}, {@link Integer#MAX_VALUE} all ancestors, a
   *     negative number none
   * @param downHops the same for descendants
   */
  public List<LineageLink> lineageAround(String id, int upHops, int downHops) {
    return query(LINEAGE_AROUND, rs -> new LineageLink(rs.getBoolean(1),
        new LineageEdge(rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5)),
        version(rs, 6)), id, upHops, downHops);
  }

  // ---- network, tensors, metadata ------------------------------------------------------

  /** Rebuilds the network of a version from LAYERS, EDGES and the version's attributes. */
  public Network network(String versionId) {
    Map<String, List<String>> inputs = new HashMap<>();
    for (String[] e : query("SELECT DST, SRC FROM EDGES WHERE VERSION_ID = ? ORDER BY DST, SLOT",
        rs -> new String[] {rs.getString(1), rs.getString(2)}, versionId)) {
      inputs.computeIfAbsent(e[0], k -> new ArrayList<>()).add(e[1]);
    }
    List<Layer> layers = query("SELECT NAME, TYPE, ATTRS FROM LAYERS WHERE VERSION_ID = ?"
        + " ORDER BY ORDINAL", rs -> new Layer(rs.getString(1), rs.getString(2),
            NetworkJson.parseAttrs(rs.getString(3)),
            inputs.getOrDefault(rs.getString(1), List.of())), versionId);
    String[] head = queryOne("SELECT NETWORK_NAME, NETWORK_ATTRS FROM VERSIONS WHERE ID = ?",
        rs -> new String[] {rs.getString(1), rs.getString(2)}, versionId)
        .orElseThrow(() -> new ModelHubException("unknown version id " + versionId));
    return new Network(head[0], layers, NetworkJson.parseAttrs(head[1]));
  }

  /** LAYERS.NUM_PARAMS of a version: values in the tensors of each layer. */
  public Map<String, Long> layerParams(String versionId) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (Object[] r : query("SELECT NAME, NUM_PARAMS FROM LAYERS WHERE VERSION_ID = ?"
        + " ORDER BY ORDINAL", rs -> new Object[] {rs.getString(1), rs.getLong(2)}, versionId)) {
      m.put((String) r[0], (Long) r[1]);
    }
    return m;
  }

  public List<TensorEntry> tensors(String versionId) {
    return query("SELECT t.NAME, t.ORDINAL, t.SHAPE, t.DTYPE, t.NUM_VALUES, "
        + prefixed("o.", OBJECT_COLUMNS) + " FROM TENSOR_ENTRIES t JOIN OBJECTS o"
        + " ON t.SHA256 = o.SHA256 WHERE t.VERSION_ID = ? ORDER BY t.ORDINAL",
        Catalog::tensor, versionId);
  }

  public Optional<TensorEntry> tensor(String versionId, String name) {
    return queryOne("SELECT t.NAME, t.ORDINAL, t.SHAPE, t.DTYPE, t.NUM_VALUES, "
        + prefixed("o.", OBJECT_COLUMNS) + " FROM TENSOR_ENTRIES t JOIN OBJECTS o"
        + " ON t.SHA256 = o.SHA256 WHERE t.VERSION_ID = ? AND t.NAME = ?",
        Catalog::tensor, versionId, name);
  }

  public Optional<ObjectInfo> object(String sha256) {
    return queryOne("SELECT " + OBJECT_COLUMNS + " FROM OBJECTS WHERE SHA256 = ?",
        rs -> object(rs, 1), sha256);
  }

  public List<ObjectInfo> objects() {
    return query("SELECT " + OBJECT_COLUMNS + " FROM OBJECTS ORDER BY SHA256",
        rs -> object(rs, 1));
  }

  public Map<String, String> hyperparams(String versionId) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String[] r : query("SELECT NAME, VAL FROM HYPERPARAMS WHERE VERSION_ID = ? ORDER BY NAME",
        rs -> new String[] {rs.getString(1), rs.getString(2)}, versionId)) {
      m.put(r[0], r[1]);
    }
    return m;
  }

  public List<Metric> metrics(String versionId) {
    return query("SELECT NAME, STEP, VAL FROM METRICS WHERE VERSION_ID = ? ORDER BY NAME, STEP",
        rs -> new Metric(rs.getString(1), rs.getLong(2), rs.getDouble(3)), versionId);
  }

  public List<FileEntry> files(String versionId) {
    return query("SELECT PATH, SIZE, SHA256 FROM FILES WHERE VERSION_ID = ? ORDER BY PATH",
        rs -> new FileEntry(rs.getString(1), rs.getLong(2), rs.getString(3)), versionId);
  }

  /** Every blob id the catalog refers to. */
  public List<String> blobIds() {
    return query("SELECT DISTINCT SHA256 FROM FILES ORDER BY SHA256", rs -> rs.getString(1));
  }

  // ---- saved DQL statements ------------------------------------------------------------

  /**
   * Saves a statement under {@code name} with the versions it selected or created, replacing
   * an earlier statement of that name.
   */
  public void saveQuery(String name, String text, Instant created, List<String> versionIds) {
    inTransaction(() -> {
      update("DELETE FROM QUERIES WHERE NAME = ?", name);
      update("INSERT INTO QUERIES (NAME, TEXT, CREATED) VALUES (?, ?, ?)", name, text,
          timestamp(created));
      List<Object[]> rows = new ArrayList<>();
      int seq = 0;
      for (String id : new java.util.LinkedHashSet<>(versionIds)) {
        rows.add(new Object[] {name, id, seq++});
      }
      batch("INSERT INTO QUERY_VERSIONS (QUERY, VERSION_ID, SEQ) VALUES (?, ?, ?)", rows,
          r -> r);
      return null;
    });
  }

  /** The text of a saved statement. */
  public Optional<String> queryText(String name) {
    return queryOne("SELECT TEXT FROM QUERIES WHERE NAME = ?", rs -> rs.getString(1), name);
  }

  /** The versions a saved statement selected or created, in order. */
  public List<String> queryVersions(String name) {
    return query("SELECT VERSION_ID FROM QUERY_VERSIONS WHERE QUERY = ? ORDER BY SEQ",
        rs -> rs.getString(1), name);
  }

  // ---- the stage -----------------------------------------------------------------------

  public List<StagedFile> staged() {
    return query("SELECT PATH, ROLE, FORMAT, SIZE, ADDED FROM STAGE ORDER BY ADDED, PATH",
        rs -> new StagedFile(rs.getString(1), FileRole.valueOf(rs.getString(2)),
            rs.getString(3), rs.getLong(4), instant(rs, 5)));
  }

  public void stage(StagedFile f) {
    update("MERGE INTO STAGE (PATH, ROLE, FORMAT, SIZE, ADDED) KEY (PATH) VALUES (?, ?, ?, ?, ?)",
        f.path(), f.role().name(), f.format(), f.size(), timestamp(f.added()));
  }

  public void unstage(String path) {
    update("DELETE FROM STAGE WHERE PATH = ?", path);
  }

  // ---- writing a version ---------------------------------------------------------------

  /**
   * Inserts a version and everything it carries in one transaction, numbering it after the
   * model's latest version; returns the number given.
   */
  public int insert(NewVersion v, boolean clearStage) {
    return inTransaction(() -> {
      // lock the model's row: two writers cannot both take the next number
      Optional<ModelInfo> model = queryOne("SELECT NAME, CREATED, LATEST_VERSION, VERSION_COUNT"
          + " FROM MODELS WHERE NAME = ? FOR UPDATE", Catalog::model, v.model());
      int number = model.map(m -> m.latestVersion() + 1).orElse(1);
      if (model.isEmpty()) {
        update("INSERT INTO MODELS (NAME, CREATED, LATEST_VERSION, VERSION_COUNT)"
            + " VALUES (?, ?, ?, 1)", v.model(), timestamp(v.created()), number);
      } else {
        update("UPDATE MODELS SET LATEST_VERSION = ?, VERSION_COUNT = VERSION_COUNT + 1"
            + " WHERE NAME = ?", number, v.model());
      }
      long rawBytes = v.tensors().stream().mapToLong(t -> t.object().rawBytes()).sum();
      long numParams = v.tensors().stream().mapToLong(TensorEntry::numValues).sum();
      long storedBytes = v.newObjects().stream().mapToLong(ObjectInfo::storedBytes).sum();
      update("INSERT INTO VERSIONS (" + VERSION_COLUMNS + ", NETWORK_ATTRS)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          v.id(), v.model(), number, timestamp(v.created()), v.author(), v.message(),
          v.format(), v.network().name(), v.network().layers().size(), numParams, rawBytes,
          storedBytes, NetworkJson.attrsToJson(v.network().attrs()));
      int ordinal = 0;
      for (NewVersion.Parent p : v.parents()) {
        update("INSERT INTO LINEAGE (PARENT_ID, CHILD_ID, KIND, ORDINAL) VALUES (?, ?, ?, ?)",
            p.id(), v.id(), p.kind(), ordinal++);
      }
      insertNetwork(v);
      for (ObjectInfo o : v.newObjects()) {
        putObject(o);
      }
      batch("INSERT INTO TENSOR_ENTRIES (VERSION_ID, NAME, LAYER, PARAM, ORDINAL, SHAPE, DTYPE,"
          + " NUM_VALUES, SHA256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", v.tensors(), t -> new Object[] {
              v.id(), t.name(), t.layer(), param(t.name()), t.ordinal(),
              Tensor.shapeString(t.shape()), t.dtype().label(), t.numValues(), t.sha256()});
      batch("INSERT INTO HYPERPARAMS (VERSION_ID, NAME, VAL) VALUES (?, ?, ?)",
          new ArrayList<>(v.hyperparams().entrySet()),
          e -> new Object[] {v.id(), e.getKey(), e.getValue()});
      batch("MERGE INTO METRICS (VERSION_ID, NAME, STEP, VAL) KEY (VERSION_ID, NAME, STEP)"
          + " VALUES (?, ?, ?, ?)", v.metrics(),
          m -> new Object[] {v.id(), m.name(), m.step(), m.value()});
      batch("INSERT INTO FILES (VERSION_ID, PATH, SIZE, SHA256) VALUES (?, ?, ?, ?)",
          v.files(), f -> new Object[] {v.id(), f.path(), f.size(), f.sha256()});
      if (clearStage) {
        update("DELETE FROM STAGE");
      }
      return number;
    });
  }

  /** Inserts or replaces the OBJECTS row of {@code o.sha256()} (inside a transaction). */
  public void putObject(ObjectInfo o) {
    String codecs = null;
    String compression = o.compression();
    if (!"plain".equals(o.encoding())) {
      codecs = compression;
      compression = compression.contains("zstd") ? "zstd"
          : compression.contains("lz4") ? "lz4" : "none";
    }
    update("MERGE INTO OBJECTS (" + OBJECT_COLUMNS + ") KEY (SHA256)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", o.sha256(), o.objectId(),
        o.encoding(), compression, o.base(), o.rawBytes(), o.storedBytes(), o.deltaOp(),
        o.chainDepth(), codecs, o.planeBytes(), o.planeCrc(), o.lossy(), o.maxAbsError(),
        o.rmse(), o.isLossy() ? o.decodedSha256() : null, o.batch());
  }

  /** Objects stored as deltas of {@code sha256}. */
  public List<ObjectInfo> dependents(String sha256) {
    return query("SELECT " + OBJECT_COLUMNS + " FROM OBJECTS WHERE BASE = ? ORDER BY SHA256",
        rs -> object(rs, 1), sha256);
  }

  private void insertNetwork(NewVersion v) throws SQLException {
    Map<String, Long> paramsByLayer = new HashMap<>();
    for (TensorEntry t : v.tensors()) {
      paramsByLayer.merge(t.layer(), t.numValues(), Long::sum);
    }
    List<Layer> layers = v.network().layers();
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      rows.add(new Object[] {v.id(), l.name(), l.type(), i, NetworkJson.attrsToJson(l.attrs()),
          paramsByLayer.getOrDefault(l.name(), 0L)});
    }
    batch("INSERT INTO LAYERS (VERSION_ID, NAME, TYPE, ORDINAL, ATTRS, NUM_PARAMS)"
        + " VALUES (?, ?, ?, ?, ?, ?)", rows, r -> r);
    List<Object[]> edges = new ArrayList<>();
    for (Layer l : layers) {
      for (int s = 0; s < l.inputs().size(); s++) {
        edges.add(new Object[] {v.id(), l.inputs().get(s), l.name(), s});
      }
    }
    batch("INSERT INTO EDGES (VERSION_ID, SRC, DST, SLOT) VALUES (?, ?, ?, ?)", edges, r -> r);
  }

  private static String param(String tensorName) {
    int i = tensorName.lastIndexOf('/');
    return i < 0 ? tensorName : tensorName.substring(i + 1);
  }

  // ---- plumbing ------------------------------------------------------------------------

  /** Work inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work} in a transaction: all of it commits, or none of it. */
  public synchronized <T> T inTransaction(Work<T> work) {
    try {
      boolean auto = conn.getAutoCommit();
      conn.setAutoCommit(false);
      try {
        T result = work.run();
        conn.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new ModelHubException("catalog update failed: " + e.getMessage(), e);
    }
  }

  /** Maps a result row. */
  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Maps an item to statement parameters. */
  @FunctionalInterface
  interface Binder<T> {
    Object[] bind(T item);
  }

  public synchronized <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
    try {
      PreparedStatement ps = statement(sql);
      bind(ps, args);
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new ModelHubException("catalog query failed: " + e.getMessage(), e);
    }
  }

  public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) {
    List<T> rows = query(sql, mapper, args);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  public synchronized int update(String sql, Object... args) {
    try {
      PreparedStatement ps = statement(sql);
      bind(ps, args);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new ModelHubException("catalog update failed: " + e.getMessage(), e);
    }
  }

  private synchronized <T> void batch(String sql, List<T> items, Binder<T> binder)
      throws SQLException {
    if (items.isEmpty()) {
      return;
    }
    PreparedStatement ps = statement(sql);
    for (T item : items) {
      bind(ps, binder.bind(item));
      ps.addBatch();
    }
    ps.executeBatch();
  }

  /** The kept statement for {@code sql}, prepared now if it is not kept yet. */
  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps != null) {
      ps.clearParameters();
      return ps;
    }
    ps = conn.prepareStatement(sql);
    statements.put(sql, ps);
    if (statements.size() > KEPT_STATEMENTS) {
      Iterator<PreparedStatement> eldest = statements.values().iterator();
      eldest.next().close();
      eldest.remove();
    }
    return ps;
  }

  private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  static LocalDateTime timestamp(Instant instant) {
    return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    LocalDateTime t = rs.getObject(column, LocalDateTime.class);
    return t == null ? null : t.toInstant(ZoneOffset.UTC);
  }

  private static String prefixed(String prefix, String columns) {
    return prefix + columns.replace(", ", ", " + prefix);
  }

  private static ModelInfo model(ResultSet rs) throws SQLException {
    return new ModelInfo(rs.getString(1), instant(rs, 2), rs.getInt(3), rs.getInt(4));
  }

  private static VersionInfo version(ResultSet rs) throws SQLException {
    return version(rs, 1);
  }

  private static VersionInfo version(ResultSet rs, int c) throws SQLException {
    return new VersionInfo(rs.getString(c), rs.getString(c + 1), rs.getInt(c + 2),
        instant(rs, c + 3), rs.getString(c + 4), rs.getString(c + 5), rs.getString(c + 6),
        rs.getString(c + 7), rs.getInt(c + 8), rs.getLong(c + 9), rs.getLong(c + 10),
        rs.getLong(c + 11));
  }

  private static LineageEdge edge(ResultSet rs) throws SQLException {
    return new LineageEdge(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4));
  }

  private static ObjectInfo object(ResultSet rs, int c) throws SQLException {
    // PLANE_CODECS holds the per-plane detail; ObjectInfo carries it as its compression
    String codecs = rs.getString(c + 9);
    return new ObjectInfo(rs.getString(c), rs.getString(c + 1), rs.getString(c + 2),
        codecs != null ? codecs : rs.getString(c + 3), rs.getString(c + 4), rs.getLong(c + 5),
        rs.getLong(c + 6), rs.getString(c + 7), rs.getInt(c + 8), rs.getString(c + 10),
        rs.getString(c + 11), rs.getString(c + 12), (Double) rs.getObject(c + 13),
        (Double) rs.getObject(c + 14), rs.getString(c + 15), (Integer) rs.getObject(c + 16));
  }

  private static TensorEntry tensor(ResultSet rs) throws SQLException {
    return new TensorEntry(rs.getString(1), rs.getInt(2), Tensor.parseShape(rs.getString(3)),
        DType.parse(rs.getString(4)), rs.getLong(5), object(rs, 6));
  }

  /**
   * Forces what the catalog has committed to the disk. H2 writes a commit's pages within half
   * a second but does not sync them: before objects the catalog no longer names are deleted,
   * the catalog that no longer names them must be on disk, or a power failure could bring
   * back a catalog naming deleted objects.
   */
  public synchronized void sync() {
    try (Statement st = conn.createStatement()) {
      st.execute("CHECKPOINT SYNC");
    } catch (SQLException e) {
      throw new ModelHubException("cannot sync the catalog to disk: " + e.getMessage(), e);
    }
  }

  @Override public synchronized void close() {
    try {
      for (PreparedStatement ps : statements.values()) {
        ps.close();
      }
      statements.clear();
      conn.close();
    } catch (SQLException e) {
      throw new ModelHubException("cannot close the catalog: " + e.getMessage(), e);
    }
  }
}
