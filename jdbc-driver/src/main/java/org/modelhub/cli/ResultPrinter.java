package org.modelhub.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints a JDBC result set as an aligned table, CSV (RFC 4180) or a JSON array. */
final class ResultPrinter {
  /** Output formats of {@code dlv query}. */
  enum Format { TABLE, CSV, JSON }

  private ResultPrinter() {
  }

  /** Prints all rows; returns the values of column {@code keep} (empty if there is none). */
  static List<String> print(ResultSet rs, Format format, PrintWriter out, String keep)
      throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    String[] names = new String[n];
    boolean[] numeric = new boolean[n];
    int keepColumn = -1;
    for (int i = 0; i < n; i++) {
      names[i] = md.getColumnLabel(i + 1);
      numeric[i] = isNumeric(md.getColumnType(i + 1));
      if (keepColumn < 0 && names[i].equalsIgnoreCase(keep)) {
        keepColumn = i;
      }
    }
    List<String> kept = new ArrayList<>();
    List<Object[]> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] row = new Object[n];
      for (int i = 0; i < n; i++) {
        Object v = rs.getObject(i + 1);
        row[i] = v == null ? null
            : numeric[i] && v instanceof Number || v instanceof Boolean ? v : rs.getString(i + 1);
      }
      if (keepColumn >= 0 && row[keepColumn] != null) {
        kept.add(row[keepColumn].toString());
      }
      rows.add(row);
    }
    switch (format) {
      case CSV:
        out.println(csvLine(List.of(names)));
        for (Object[] row : rows) {
          List<String> cells = new ArrayList<>();
          for (Object v : row) {
            cells.add(v == null ? "" : v.toString());
          }
          out.println(csvLine(cells));
        }
        break;
      case JSON:
        json(rows, names, out);
        break;
      default:
        TextTable t = new TextTable(names);
        for (int i = 0; i < n; i++) {
          if (numeric[i]) {
            t.right(i);
          }
        }
        for (Object[] row : rows) {
          Object[] cells = new Object[n];
          for (int i = 0; i < n; i++) {
            cells[i] = row[i] == null ? "null" : row[i];
          }
          t.row(cells);
        }
        t.print(out, "");
        out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
    }
    return kept;
  }

  private static void json(List<Object[]> rows, String[] names, PrintWriter out) {
    try {
      JsonGenerator g = new ObjectMapper().getFactory().createGenerator(out);
      g.useDefaultPrettyPrinter();
      g.writeStartArray();
      for (Object[] row : rows) {
        g.writeStartObject();
        for (int i = 0; i < names.length; i++) {
          g.writeFieldName(names[i]);
          Object v = row[i];
          if (v == null) {
            g.writeNull();
          } else if (v instanceof Number) {
            g.writeNumber(v.toString());
          } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
          } else {
            g.writeString(v.toString());
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.flush();
      out.println();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String csvLine(List<String> cells) {
    StringBuilder sb = new StringBuilder();
    for (String c : cells) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
        sb.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isNumeric(int type) {
    switch (type) {
      case Types.TINYINT: case Types.SMALLINT: case Types.INTEGER: case Types.BIGINT:
      case Types.FLOAT: case Types.REAL: case Types.DOUBLE: case Types.DECIMAL:
      case Types.NUMERIC:
        return true;
      default:
        return false;
    }
  }

  static Format parse(String s) {
    return Format.valueOf(s.trim().toUpperCase(Locale.ROOT));
  }
}
