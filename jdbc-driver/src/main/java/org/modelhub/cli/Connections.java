package org.modelhub.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.modelhub.jdbc.Driver;

/** Opens driver connections for the command line and turns their errors into one line. */
final class Connections {
  private static final Driver DRIVER = new Driver();

  private Connections() {
  }

  static String url(Path repo) {
    return "jdbc:modelhub:" + repo.toAbsolutePath().normalize();
  }

  static Connection open(Path repo) throws SQLException {
    return DRIVER.connect(url(repo), new Properties());
  }

  /**
   * The message a user needs: Calcite wraps errors as {@code Error while executing SQL
   * "...": cause}. A parse error gets its line and column; a validation error already says
   * {@code From line 1, column 15 ...}; otherwise the innermost cause speaks.
   */
  static String message(SQLException e) {
    String innermost = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SqlParseException && ((SqlParseException) t).getPos() != null) {
        SqlParserPos pos = ((SqlParseException) t).getPos();
        return "syntax error at line " + pos.getLineNum() + ", column " + pos.getColumnNum()
            + ": " + shortened(t.getMessage());
      }
      if (t.getMessage() != null && t.getMessage().startsWith("From line ")) {
        return t.getMessage();
      }
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        innermost = t.getMessage();
      }
    }
    return innermost;
  }

  /** A parse message with its list of expected tokens cut to the first few. */
  private static String shortened(String message) {
    String m = message.replaceAll("\\s+", " ").trim();
    int at = m.indexOf("Was expecting one of:");
    if (at < 0) {
      return m;
    }
    String[] expected = m.substring(at + "Was expecting one of:".length())
        .split(" \\.\\.\\. ?");
    StringBuilder sb = new StringBuilder(m.substring(0, at)).append("Was expecting one of: ");
    for (int i = 0; i < Math.min(8, expected.length); i++) {
      sb.append(i == 0 ? "" : ", ").append(expected[i].trim());
    }
    return sb.append(expected.length > 8 ? ", ..." : "").toString();
  }
}
