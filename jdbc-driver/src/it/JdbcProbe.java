import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Opens a {@code jdbc:modelhub:} URL the way a JDBC tool does and prints what it sees, one
 * tab-separated record per line, for {@code ShadedJarIT}. It is a single-file source program
 * run by a fresh JVM, so that nothing but the self-contained jar can provide the driver:
 *
 * <pre>
 * java -cp modelhub-jdbc.jar JdbcProbe.java URL [SQL]...          (DriverManager)
 * java JdbcProbe.java --jar modelhub-jdbc.jar URL [SQL]...        (own class loader)
 * </pre>
 *
 * <p>The second form loads {@code org.modelhub.jdbc.Driver} from a class loader of its own
 * whose parent is the platform loader, as DBeaver and other tools load a driver jar; the
 * application class path does not hold the jar then, so the driver must not rely on it.
 */
public class JdbcProbe {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    List<String> a = new ArrayList<>(Arrays.asList(args));
    Connection c;
    if (a.get(0).equals("--jar")) {
      URL jar = Paths.get(a.get(1)).toUri().toURL();
      a = a.subList(2, a.size());
      ClassLoader own = new URLClassLoader(new URL[] {jar},
          ClassLoader.getPlatformClassLoader());
      Driver d = (Driver) Class.forName("org.modelhub.jdbc.Driver", true, own)
          .getDeclaredConstructor().newInstance();
      out.println(String.join("\t", "loader", "own",
          String.valueOf(d.getClass().getClassLoader() == own)));
      c = d.connect(a.get(0), new Properties());
    } else {
      c = DriverManager.getConnection(a.get(0));
      out.println(String.join("\t", "loader", "driver-manager",
          DriverManager.getDriver(a.get(0)).getClass().getName()));
    }
    out.println(String.join("\t", "jvm", "classpath", System.getProperty("java.class.path")));
    try (c) {
      DatabaseMetaData md = c.getMetaData();
      out.println(String.join("\t", "driver", md.getDriverName(), md.getDriverVersion()));
      try (ResultSet rs = md.getTables(null, null, "%", null)) {
        while (rs.next()) {
          out.println(String.join("\t", "table", rs.getString("TABLE_SCHEM"),
              rs.getString("TABLE_NAME"), rs.getString("TABLE_TYPE")));
        }
      }
      try (ResultSet rs = md.getColumns(null, "MODELHUB", "%", "%")) {
        while (rs.next()) {
          out.println(String.join("\t", "column", rs.getString("TABLE_NAME"),
              rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME")));
        }
      }
      for (String sql : a.subList(1, a.size())) {
        out.println(String.join("\t", "query", sql));
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
          ResultSetMetaData rm = rs.getMetaData();
          while (rs.next()) {
            List<String> row = new ArrayList<>(List.of("row"));
            for (int i = 1; i <= rm.getColumnCount(); i++) {
              row.add(String.valueOf(rs.getString(i)));
            }
            out.println(String.join("\t", row));
          }
        } catch (SQLException e) {
          out.println(String.join("\t", "error", String.valueOf(e.getMessage())));
          throw e;
        }
      }
    }
  }
}
