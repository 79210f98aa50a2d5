package org.modelhub.jdbc;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Calendar;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcImplementor;
import org.apache.calcite.adapter.jdbc.JdbcToEnumerableConverter;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.avatica.remote.TypedValue;
import org.apache.calcite.avatica.util.DateTimeUtils;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.util.SqlString;
import org.modelhub.calcite.CatalogRecursion;
import org.modelhub.calcite.ModelHubSchema;

/**
 * The direct path of a prepared statement whose optimized plan runs entirely inside H2 (its
 * root is one {@link JdbcToEnumerableConverter} over Jdbc* operators): the SQL Calcite
 * generated for that subtree (what the converter would send) is prepared once on the
 * connection's own H2 session, and each execution binds the parameters and returns H2's rows
 * through {@link DirectResultSet}, which reads them as Calcite's result set would (the same
 * column labels, Java classes and metadata). This skips Calcite's per-execution work (data
 * context, enumerable code, pool, Avatica's conversions); H2 does the rest as before.
 *
 * <p>Only plans whose output columns are of the types in {@link #javaClass} qualify; EXPLAIN,
 * DQL and every plan with an Enumerable operator take Calcite's path.
 */
public final class DirectQuery {
  private static final AtomicLong EXECUTIONS = new AtomicLong();

  final String sql;
  /** For each {@code ?} of {@link #sql}, in order, the statement's parameter it binds. */
  final int[] parameters;
  /** Per output column, its {@link Types} type as Calcite reports it. */
  final int[] types;
  final List<ColumnMetaData> columns;

  private DirectQuery(String sql, int[] parameters, List<ColumnMetaData> columns) {
    this.sql = sql;
    this.parameters = parameters;
    this.columns = columns;
    this.types = columns.stream().mapToInt(c -> c.type.id).toArray();
  }

  /** How many executions took the direct path in this JVM (tests check that it is taken). */
  public static long executions() {
    return EXECUTIONS.get();
  }

  /**
   * The SQL sent to H2: what Calcite's JdbcToEnumerableConverter would send, except that
   * recursive queries are the statement's own WITH clause ({@link CatalogRecursion#withAtTop}).
   */
  public String sql() {
    return sql;
  }

  /** The direct path for this optimized plan, or null if it needs Calcite to run it. */
  static DirectQuery of(RelRoot root, List<ColumnMetaData> columns) {
    if (!(root.rel instanceof JdbcToEnumerableConverter) || !root.isRefTrivial()
        || !root.kind.belongsTo(org.apache.calcite.sql.SqlKind.QUERY)
        || root.rel.getRowType().getFieldCount() != columns.size()
        || !(root.rel.getInput(0).getConvention() instanceof JdbcConvention)) {
      return null;
    }
    for (ColumnMetaData c : columns) {
      if (javaClass(c.type.id) == null) {
        return null;
      }
    }
    JdbcConvention convention = (JdbcConvention) root.rel.getInput(0).getConvention();
    SqlDialect dialect = convention.dialect;
    try {
      // what JdbcToEnumerableConverter.generateSql does (a plan without correlation), with
      // recursive queries as H2 runs them best
      JdbcImplementor implementor = new JdbcImplementor(dialect,
          (JavaTypeFactory) root.rel.getCluster().getTypeFactory());
      SqlString sql = CatalogRecursion.withAtTop(implementor.visitRoot(root.rel.getInput(0))
          .asStatement()).toSqlString(dialect);
      List<Integer> params = sql.getDynamicParameters();
      return new DirectQuery(sql.getSql(),
          params == null ? new int[0] : params.stream().mapToInt(i -> i).toArray(), columns);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The class Calcite's result set returns from getObject for a column of this type. */
  static Class<?> javaClass(int type) {
    switch (type) {
      case Types.CHAR:
      case Types.VARCHAR:
        return String.class;
      case Types.BOOLEAN:
        return Boolean.class;
      case Types.TINYINT:
        return Byte.class;
      case Types.SMALLINT:
        return Short.class;
      case Types.INTEGER:
        return Integer.class;
      case Types.BIGINT:
        return Long.class;
      case Types.REAL:
        return Float.class;
      case Types.FLOAT:
      case Types.DOUBLE:
        return Double.class;
      case Types.DECIMAL:
        return BigDecimal.class;
      case Types.TIMESTAMP:
        return Timestamp.class;
      default:
        return null;
    }
  }

  /** The signature of a statement with a direct path; Calcite's path still works with it. */
  public static final class Signature<T> extends CalcitePrepare.CalciteSignature<T> {
    final DirectQuery query;

    Signature(CalcitePrepare.CalciteSignature<T> s, DirectQuery query) {
      super(s.sql, s.parameters, s.internalParameters, s.rowType, s.columns, s.cursorFactory,
          s.rootSchema, s.getCollationList(), -1, s::enumerable, s.statementType);
      this.query = query;
    }

    public DirectQuery query() {
      return query;
    }

    /** The execution state of one prepared statement. */
    public Execution open() {
      return new Execution(query);
    }
  }

  /**
   * One prepared statement's direct executions: its H2 statement (prepared at the first
   * execution, on the H2 session of the driver connection) and its open result set.
   */
  public static final class Execution {
    private final DirectQuery query;
    private PreparedStatement h2;
    private DirectResultSet current;
    /** The timeout H2's statement has: setting it runs a SET command on the session. */
    private int timeout;

    Execution(DirectQuery query) {
      this.query = query;
    }

    /**
     * Runs the query: {@code owner} is the driver's statement, {@code values} its
     * parameters (Avatica's slots), {@code connection} the driver connection.
     */
    public synchronized ResultSet execute(Statement owner, List<TypedValue> values,
        org.apache.calcite.jdbc.CalciteConnection connection, TimeZone timeZone,
        int timeoutSeconds, long maxRows) throws SQLException {
      closeCurrent();
      if (h2 == null) {
        ModelHubSchema schema = connection.getRootSchema().subSchemas()
            .get(ModelHubSchema.NAME).unwrap(ModelHubSchema.class);
        h2 = schema.directConnection().prepareStatement(query.sql);
      }
      Calendar calendar = Calendar.getInstance(timeZone, Locale.ROOT);
      for (int i = 0; i < query.parameters.length; i++) {
        int p = query.parameters[i];
        TypedValue v = p < values.size() ? values.get(p) : null;
        if (v == null) {
          throw new SQLException("parameter " + (p + 1) + " is not set");
        }
        h2.setObject(i + 1, v.toJdbc(calendar));
      }
      if (timeoutSeconds != timeout) {
        h2.setQueryTimeout(timeoutSeconds);
        timeout = timeoutSeconds;
      }
      h2.setLargeMaxRows(Math.max(0, maxRows));
      EXECUTIONS.incrementAndGet();
      current = new DirectResultSet(h2.executeQuery(), owner, query);
      return current;
    }

    public synchronized ResultSet current() {
      return current;
    }

    public synchronized void closeCurrent() throws SQLException {
      if (current != null) {
        current.delegate.close();
        current = null;
      }
    }

    /** Cancels a running execution (another thread). Not synchronized: it runs meanwhile. */
    public void cancel() throws SQLException {
      PreparedStatement s = h2;
      if (s != null) {
        s.cancel();
      }
    }

    public void close() throws SQLException {
      cancel();
      synchronized (this) {
        current = null;
        if (h2 != null) {
          h2.close();
          h2 = null;
          timeout = 0;
        }
      }
    }
  }

  /** H2's rows read as Calcite's result set reads them. */
  static final class DirectResultSet extends ForwardingResultSet {
    private final Statement owner;
    private final DirectQuery query;

    DirectResultSet(ResultSet h2, Statement owner, DirectQuery query) {
      super(h2);
      this.owner = owner;
      this.query = query;
    }

    @Override public int findColumn(String label) throws SQLException {
      for (int i = 0; i < query.columns.size(); i++) {
        if (query.columns.get(i).label.equalsIgnoreCase(label)) {
          return i + 1;
        }
      }
      throw new SQLException("column '" + label + "' not found");
    }

    @Override public ResultSetMetaData getMetaData() throws SQLException {
      return owner.unwrap(PreparedStatement.class).getMetaData();
    }

    @Override public Statement getStatement() {
      return owner;
    }

    @Override public int getType() throws SQLException {
      return owner.getResultSetType();
    }

    @Override public int getConcurrency() throws SQLException {
      return owner.getResultSetConcurrency();
    }

    @Override public int getHoldability() throws SQLException {
      return owner.getResultSetHoldability();
    }

    @Override public Object getObject(int column) throws SQLException {
      Object v;
      switch (query.types[column - 1]) {
        case Types.CHAR:
        case Types.VARCHAR:
          return delegate.getString(column);
        case Types.TIMESTAMP:
          return delegate.getTimestamp(column);
        case Types.DECIMAL:
          return delegate.getBigDecimal(column);
        case Types.BOOLEAN:
          v = delegate.getBoolean(column);
          break;
        case Types.TINYINT:
          v = delegate.getByte(column);
          break;
        case Types.SMALLINT:
          v = delegate.getShort(column);
          break;
        case Types.INTEGER:
          v = delegate.getInt(column);
          break;
        case Types.BIGINT:
          v = delegate.getLong(column);
          break;
        case Types.REAL:
          v = delegate.getFloat(column);
          break;
        default:
          v = delegate.getDouble(column);
          break;
      }
      return delegate.wasNull() ? null : v;
    }

    @Override public String getString(int column) throws SQLException {
      int type = query.types[column - 1];
      if (type == Types.CHAR || type == Types.VARCHAR) {
        return delegate.getString(column);
      }
      Object v = getObject(column);
      if (v instanceof Timestamp) {
        // as Avatica writes a TIMESTAMP: its local time to the column's precision
        long t = ((Timestamp) v).getTime();
        return DateTimeUtils.unixTimestampToString(t + TimeZone.getDefault().getOffset(t),
            Math.max(0, query.columns.get(column - 1).type.id == Types.TIMESTAMP
                ? query.columns.get(column - 1).precision : 0));
      }
      return v == null ? null : v.toString();
    }

    @Override public void close() throws SQLException {
      delegate.close();
      if (owner.isCloseOnCompletion()) {
        owner.close();
      }
    }
  }
}
