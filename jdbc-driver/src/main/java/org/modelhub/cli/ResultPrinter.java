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

  /** Prints all rows; returns how many there were. */
  static int print(ResultSet rs, Format format, PrintWriter out) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    String[] names = new String[n];
    boolean[] numeric = new boolean[n];
    for (int i = 0; i < n; i++) {
      names[i] = md.getColumnLabel(i + 1);
      numeric[i] = isNumeric(md.getColumnType(i + 1));
    }
    switch (format) {
      case CSV: {
        out.println(csvLine(List.of(names)));
        int rows = 0;
        while (rs.next()) {
          List<String> cells = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            String s = rs.getString(i + 1);
            cells.add(s == null ? "" : s);
          }
          out.println(csvLine(cells));
          rows++;
        }
        return rows;
      }
      case JSON:
        return json(rs, names, numeric, out);
      default: {
        TextTable t = new TextTable(names);
        for (int i = 0; i < n; i++) {
          if (numeric[i]) {
            t.right(i);
          }
        }
        int rows = 0;
        while (rs.next()) {
          Object[] cells = new Object[n];
          for (int i = 0; i < n; i++) {
            String s = rs.getString(i + 1);
            cells[i] = s == null ? "null" : s;
          }
          t.row(cells);
          rows++;
        }
        t.print(out, "");
        out.println("(" + rows + (rows == 1 ? " row)" : " rows)"));
        return rows;
      }
    }
  }

  private static int json(ResultSet rs, String[] names, boolean[] numeric, PrintWriter out)
      throws SQLException {
    ObjectMapper mapper = new ObjectMapper();
    int rows = 0;
    try {
      JsonGenerator g = mapper.getFactory().createGenerator(out);
      g.useDefaultPrettyPrinter();
      g.writeStartArray();
      while (rs.next()) {
        g.writeStartObject();
        for (int i = 0; i < names.length; i++) {
          Object v = rs.getObject(i + 1);
          g.writeFieldName(names[i]);
          if (v == null) {
            g.writeNull();
          } else if (numeric[i] && v instanceof Number) {
            g.writeNumber(v.toString());
          } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
          } else {
            g.writeString(rs.getString(i + 1));
          }
        }
        g.writeEndObject();
        rows++;
      }
      g.writeEndArray();
      g.flush();
      out.println();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
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
