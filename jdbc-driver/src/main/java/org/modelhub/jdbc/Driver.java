package org.modelhub.jdbc;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.avatica.Handler;
import org.apache.calcite.avatica.HandlerImpl;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.schema.SchemaPlus;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.dql.DqlFunctions;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Repository;

/**
 * The {@code jdbc:modelhub:} JDBC driver: a Calcite connection whose default schema is the
 * repository's {@code MODELHUB} schema, and whose statements may be DQL as well as SQL.
 *
 * <ul>
 *   <li>{@code jdbc:modelhub:/path/to/repo} opens a repository ({@code ;create=true} makes a
 *   new one, as {@code dlv init} does);</li>
 *   <li>{@code jdbc:modelhub:mem:NAME} is an in-memory repository that lives as long as the
 *   JVM, shared by every connection that names it.</li>
 * </ul>
 */
public class Driver extends org.apache.calcite.jdbc.Driver {
  /** Connection property the handler reads to find the repository. */
  private static final String LOCATION = "modelhub.url";
  private static final Map<String, Repository> MEMORY = new ConcurrentHashMap<>();

  private final Map<AvaticaConnection, Open> open = new ConcurrentHashMap<>();
  /** Cancel flags of running statements, set when one is closed (stops an evaluate). */
  private final Map<AvaticaStatement, AtomicBoolean> running = new ConcurrentHashMap<>();

  static {
    new Driver().register();
  }

  /** What a connection opened: closed with it. */
  private record Open(Repository repo, ModelHubSchema schema, boolean ownsRepo) { }

  /** Prepares DQL beside SQL. */
  @Override public CalcitePrepare createPrepare() {
    return new ModelHubPrepare();
  }

  /** Calcite's factory, with direct prepared statements ({@link DirectQuery}). */
  @Override protected String getFactoryClassName(JdbcVersion jdbcVersion) {
    return "org.apache.calcite.jdbc.ModelHubJdbcFactory";
  }

  @Override protected String getConnectStringPrefix() {
    return ModelHubUrl.PREFIX;
  }

  @Override protected DriverVersion createDriverVersion() {
    String v = Driver.class.getPackage().getImplementationVersion();
    return new DriverVersion("ModelHub JDBC Driver", v == null ? "0.1" : v, "ModelHub",
        v == null ? "0.1" : v, true, 0, 1, 0, 1);
  }

  @Override public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    ModelHubUrl u = ModelHubUrl.parse(url);
    if (u.kind() == ModelHubUrl.Kind.REMOTE) {
      throw new SQLException("remote repositories (" + url + ") need the ModelHub hub server,"
          + " which this build does not include yet; open a repository folder instead");
    }
    Properties props = new Properties();
    props.putAll(info);
    u.properties().forEach(props::setProperty);
    props.remove("create");
    props.setProperty(LOCATION, url);
    return super.connect(ModelHubUrl.PREFIX, props);
  }

  @Override protected Handler createHandler() {
    Handler calcite = super.createHandler();
    return new HandlerImpl() {
      @Override public void onConnectionInit(AvaticaConnection connection)
          throws SQLException {
        calcite.onConnectionInit(connection);
        String url = ((CalciteConnection) connection).getProperties().getProperty(LOCATION);
        if (url == null) {
          return;
        }
        Open o = openRepository(ModelHubUrl.parse(url));
        try {
          SchemaPlus root = ((CalciteConnection) connection).getRootSchema();
          ModelHubSchema schema = new ModelHubSchema(root, o.repo(), DqlFunctions.all());
          root.add(ModelHubSchema.NAME, schema);
          connection.setSchema(ModelHubSchema.NAME);
          open.put(connection, new Open(o.repo(), schema, o.ownsRepo()));
        } catch (RuntimeException e) {
          if (o.ownsRepo()) {
            o.repo().close();
          }
          throw new SQLException(e.getMessage(), e);
        }
      }

      @Override public void onStatementExecute(AvaticaStatement statement, ResultSink sink) {
        calcite.onStatementExecute(statement, sink);
        try {
          running.put(statement, statement.getConnection().unwrap(AvaticaConnection.class)
              .getCancelFlag(statement.handle));
        } catch (SQLException | NoSuchStatementException e) {
          // a statement without a flag cannot be cancelled: nothing to remember
        }
      }

      @Override public void onStatementClose(AvaticaStatement statement) {
        // closing a statement while it runs (another thread) cancels it, as JDBC allows
        AtomicBoolean flag = running.remove(statement);
        if (flag != null) {
          flag.set(true);
        }
        calcite.onStatementClose(statement);
      }

      @Override public void onConnectionClose(AvaticaConnection connection) {
        Open o = open.remove(connection);
        if (o != null) {
          o.schema().close();
          if (o.ownsRepo()) {
            o.repo().close();
          }
        }
        calcite.onConnectionClose(connection);
      }
    };
  }

  private static Open openRepository(ModelHubUrl u) throws SQLException {
    try {
      if (u.kind() == ModelHubUrl.Kind.MEMORY) {
        return new Open(MEMORY.computeIfAbsent(u.location(), Repository::memory), null, false);
      }
      boolean exists = Files.exists(u.path().resolve(Repository.PROPERTIES));
      Repository repo = !exists && u.create() ? Repository.init(u.path())
          : Repository.open(u.path());
      return new Open(repo, null, true);
    } catch (ModelHubException e) {
      throw new SQLException(e.getMessage()
          + (u.create() ? "" : " (add ;create=true to the URL to create one)"), e);
    }
  }
}
