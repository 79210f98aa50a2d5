package org.apache.calcite.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.sql.NClob;
import java.sql.ResultSet;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLXML;
import java.util.TimeZone;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaPreparedStatement;
import org.apache.calcite.avatica.Meta;
import org.modelhub.jdbc.DirectQuery;

/**
 * Calcite's JDBC factory, whose prepared statements take ModelHub's direct path when their
 * plan runs entirely inside H2 ({@link DirectQuery}). It lives in Calcite's package because
 * the connection expects a {@link CalcitePreparedStatement}, which is package-private.
 */
public class ModelHubJdbcFactory extends CalciteJdbc41Factory {
  @Override public AvaticaPreparedStatement newPreparedStatement(AvaticaConnection connection,
      Meta.StatementHandle h, Meta.Signature signature, int resultSetType,
      int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    // H2 returns local times in the JVM's zone: a connection in another zone keeps Calcite's
    // path, as does one opened with ;direct=false
    if (signature instanceof DirectQuery.Signature
        && connection.getTimeZone().hasSameRules(TimeZone.getDefault())
        && !"false".equalsIgnoreCase(
            ((CalciteConnection) connection).getProperties().getProperty("direct"))) {
      return new DirectStatement((CalciteConnectionImpl) connection, h,
          (DirectQuery.Signature<?>) signature, resultSetType, resultSetConcurrency,
          resultSetHoldability);
    }
    return super.newPreparedStatement(connection, h, signature, resultSetType,
        resultSetConcurrency, resultSetHoldability);
  }

  /** A prepared statement that runs its SQL on H2 itself (see {@link DirectQuery}). */
  static final class DirectStatement extends CalcitePreparedStatement {
    private final DirectQuery query;
    private final DirectQuery.Execution execution;

    DirectStatement(CalciteConnectionImpl connection, Meta.StatementHandle h,
        DirectQuery.Signature<?> signature, int resultSetType, int resultSetConcurrency,
        int resultSetHoldability) throws SQLException {
      super(connection, h, signature, resultSetType, resultSetConcurrency,
          resultSetHoldability);
      this.query = signature.query();
      this.execution = signature.open();
    }

    /** {@code unwrap(DirectQuery.class)} tells whether a statement takes the direct path. */
    @Override public <T> T unwrap(Class<T> iface) throws SQLException {
      return iface == DirectQuery.class ? iface.cast(query) : super.unwrap(iface);
    }

    @Override public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return iface == DirectQuery.class || super.isWrapperFor(iface);
    }

    @Override public ResultSet executeQuery() throws SQLException {
      if (isClosed()) {
        throw new SQLException("statement is closed");
      }
      return execution.execute(this, getParameterValues(), getConnection(),
          connection.getTimeZone(), getQueryTimeout(), getLargeMaxRows());
    }

    @Override public boolean execute() throws SQLException {
      executeQuery();
      return true;
    }

    @Override public ResultSet getResultSet() throws SQLException {
      return execution.current();
    }

    @Override public int getUpdateCount() {
      return -1;
    }

    @Override public long getLargeUpdateCount() {
      return -1;
    }

    @Override public boolean getMoreResults() throws SQLException {
      execution.closeCurrent();
      return false;
    }

    @Override public synchronized void cancel() throws SQLException {
      execution.cancel();
      super.cancel();
    }

    @Override protected void close_() {
      try {
        execution.close();
      } catch (SQLException e) {
        // the H2 session goes with the connection: nothing is left open
      }
      super.close_();
    }

    // JDBC 4.1 setters, as Calcite's own prepared statement implements them
    @Override public void setRowId(int i, RowId x) throws SQLException {
      getSite(i).setRowId(x);
    }

    @Override public void setNString(int i, String value) throws SQLException {
      getSite(i).setNString(value);
    }

    @Override public void setNCharacterStream(int i, Reader value, long length)
        throws SQLException {
      getSite(i).setNCharacterStream(value, length);
    }

    @Override public void setNClob(int i, NClob value) throws SQLException {
      getSite(i).setNClob(value);
    }

    @Override public void setClob(int i, Reader reader, long length) throws SQLException {
      getSite(i).setClob(reader, length);
    }

    @Override public void setBlob(int i, InputStream inputStream, long length)
        throws SQLException {
      getSite(i).setBlob(inputStream, length);
    }

    @Override public void setNClob(int i, Reader reader, long length) throws SQLException {
      getSite(i).setNClob(reader, length);
    }

    @Override public void setSQLXML(int i, SQLXML xmlObject) throws SQLException {
      getSite(i).setSQLXML(xmlObject);
    }

    @Override public void setAsciiStream(int i, InputStream x, long length)
        throws SQLException {
      getSite(i).setAsciiStream(x, length);
    }

    @Override public void setBinaryStream(int i, InputStream x, long length)
        throws SQLException {
      getSite(i).setBinaryStream(x, length);
    }

    @Override public void setCharacterStream(int i, Reader reader, long length)
        throws SQLException {
      getSite(i).setCharacterStream(reader, length);
    }

    @Override public void setAsciiStream(int i, InputStream x) throws SQLException {
      getSite(i).setAsciiStream(x);
    }

    @Override public void setBinaryStream(int i, InputStream x) throws SQLException {
      getSite(i).setBinaryStream(x);
    }

    @Override public void setCharacterStream(int i, Reader reader) throws SQLException {
      getSite(i).setCharacterStream(reader);
    }

    @Override public void setNCharacterStream(int i, Reader value) throws SQLException {
      getSite(i).setNCharacterStream(value);
    }

    @Override public void setClob(int i, Reader reader) throws SQLException {
      getSite(i).setClob(reader);
    }

    @Override public void setBlob(int i, InputStream inputStream) throws SQLException {
      getSite(i).setBlob(inputStream);
    }

    @Override public void setNClob(int i, Reader reader) throws SQLException {
      getSite(i).setNClob(reader);
    }
  }
}
