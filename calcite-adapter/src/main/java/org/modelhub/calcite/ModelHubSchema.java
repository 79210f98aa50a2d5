package org.modelhub.calcite;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMultimap;
import com.google.common.collect.Multimap;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.jdbc.JdbcSchema;
import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.schema.Function;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Schemas;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlDialectFactory;
import org.apache.calcite.sql.SqlDialectFactoryImpl;
import org.apache.calcite.sql.SqlDialects;
import org.apache.calcite.sql.dialect.H2SqlDialect;
import org.apache.commons.dbcp2.BasicDataSource;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.Catalog;

/**
 * The SQL schema {@code MODELHUB} of one repository: the catalog tables (H2 views reached
 * through Calcite's JDBC adapter, so queries on them run inside H2), the WEIGHTS table
 * streamed from Arrow objects, and table functions for model operators.
 */
public final class ModelHubSchema extends AbstractSchema implements Wrapper, AutoCloseable {
  /** The schema's name; DESIGN.md makes it the default schema of every connection. */
  public static final String NAME = "MODELHUB";

  /** The catalog tables, as H2 views in H2 schema MODELHUB. */
  public static final List<String> CATALOG_TABLES = List.of("MODELS", "VERSIONS", "LINEAGE",
      "LAYERS", "EDGES", "TENSORS", "METRICS", "HYPERPARAMS", "FILES", "QUERIES",
      "QUERY_VERSIONS", "STORAGE_PLANS", "STORAGE_PLAN_VERSIONS");

  /** Calcite's dialect of the catalog's database; H2's is {@link CatalogDialect}. */
  private static final SqlDialectFactory DIALECTS = metaData -> {
    SqlDialect d = SqlDialectFactoryImpl.INSTANCE.create(metaData);
    return d instanceof H2SqlDialect ? new CatalogDialect(SqlDialects.createContext(metaData))
        : d;
  };

  private final Repository repo;
  private final BasicDataSource dataSource;
  private final JdbcSchema jdbc;
  private final Map<String, Table> tables = new LinkedHashMap<>();
  private final Multimap<String, Function> functions;
  /** The reader session of the JDBC driver's direct path; opened when first asked for. */
  private java.sql.Connection direct;

  /**
   * Creates the schema for {@code repo}, to be added to {@code parent} as {@link #NAME}.
   * The caller keeps owning the repository.
   */
  public ModelHubSchema(SchemaPlus parent, Repository repo) {
    this(parent, repo, com.google.common.collect.ImmutableMultimap.of());
  }

  /**
   * Creates the schema with extra functions (the DQL module adds DQL, SLICE, CONSTRUCT: it
   * sits above this module, so it hands them in).
   */
  public ModelHubSchema(SchemaPlus parent, Repository repo, Multimap<String, Function> extra) {
    this.repo = requireNonNull(repo, "repo");
    this.dataSource = new BasicDataSource();
    dataSource.setUrl(repo.catalog().readerUrl());
    dataSource.setDriver(org.h2.Driver.load());
    // a user that may only read the MODELHUB views: no SQL statement can change the catalog
    dataSource.setUsername(Catalog.READER);
    dataSource.setPassword("");
    dataSource.setDefaultReadOnly(true);
    // each execution of a plan borrows a connection and prepares the SQL it pushes to H2:
    // keep H2's prepared statements per pooled connection, and skip the round trips that
    // reset state a reader never changes
    dataSource.setPoolPreparedStatements(true);
    dataSource.setMaxOpenPreparedStatements(256);
    dataSource.setRollbackOnReturn(false);
    dataSource.setCacheState(true);
    SqlDialect dialect = JdbcSchema.createDialect(DIALECTS, dataSource);
    // generated code finds the data source through this schema's unwrap(JdbcSchema.class)
    Expression expression = Schemas.subSchemaExpression(parent, NAME, ModelHubSchema.class);
    CatalogConvention convention = new CatalogConvention(dialect, expression, NAME);
    this.jdbc = new JdbcSchema(dataSource, dialect, convention, null, NAME);
    // the PUBLIC tables behind the views, in the same convention so that a query joins them
    // inside H2; a catalog that does not let the reader see them leaves the views in use
    JdbcSchema sources = new JdbcSchema(dataSource, dialect, convention, null, "PUBLIC");
    for (String t : CATALOG_TABLES) {
      JdbcTable table = (JdbcTable) jdbc.tables().get(t);
      if (table == null) {
        throw new ModelHubException("the catalog has no view MODELHUB." + t
            + " (repository written by an older dlv?)");
      }
      tables.put(t, new CatalogTable(table, (JdbcTable) sources.tables().get(t), t));
    }
    tables.put(WeightsTable.NAME, new WeightsTable(repo));
    this.functions = com.google.common.collect.ImmutableMultimap.<String, Function>builder()
        .putAll(ModelHubFunctions.all()).putAll(extra).build();
  }

  /** The repository behind the {@code MODELHUB} schema of a running statement. */
  public static Repository repository(DataContext root) {
    SchemaPlus s = root.getRootSchema().getSubSchema(NAME);
    ModelHubSchema schema = s == null ? null : s.unwrap(ModelHubSchema.class);
    if (schema == null) {
      throw new ModelHubException("no MODELHUB schema on this connection");
    }
    return schema.repo;
  }

  public Repository repository() {
    return repo;
  }

  @Override protected Map<String, Table> getTableMap() {
    return tables;
  }

  @Override protected Multimap<String, Function> getFunctionMultimap() {
    return functions;
  }

  @Override public Schema snapshot(org.apache.calcite.schema.SchemaVersion version) {
    return this;
  }

  @Override public boolean isMutable() {
    return false;
  }

  @Override public <T> T unwrap(Class<T> aClass) {
    if (aClass.isInstance(this)) {
      return aClass.cast(this);
    }
    if (aClass.isInstance(jdbc)) {
      return aClass.cast(jdbc);
    }
    if (aClass.isInstance(dataSource)) {
      return aClass.cast(dataSource);
    }
    if (aClass.isInstance(repo)) {
      return aClass.cast(repo);
    }
    return null;
  }

  /**
   * One H2 session of the reader (SELECT only, read-only) for statements that run wholly
   * inside H2 without Calcite's code (the JDBC driver's direct path), outside the pool;
   * closed with the schema.
   */
  public synchronized java.sql.Connection directConnection() throws SQLException {
    if (direct == null) {
      java.util.Properties p = new java.util.Properties();
      p.setProperty("user", Catalog.READER);
      p.setProperty("password", "");
      java.sql.Connection c = org.h2.Driver.load().connect(repo.catalog().readerUrl(), p);
      c.setReadOnly(true);
      direct = c;
    }
    return direct;
  }

  /** Closes the pooled H2 sessions and the direct one (not the repository). */
  @Override public void close() {
    try {
      synchronized (this) {
        if (direct != null) {
          direct.close();
          direct = null;
        }
      }
      dataSource.close();
    } catch (SQLException e) {
      throw new ModelHubException("cannot close catalog sessions: " + e.getMessage(), e);
    }
  }

}
