package org.modelhub.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Prints rows as aligned columns under a header, the way {@code dlv} shows tables. */
final class TextTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();
  private final boolean[] right;

  TextTable(String... header) {
    this.header = Arrays.asList(header);
    this.right = new boolean[header.length];
  }

  /** Right-aligns the given columns (numbers). */
  TextTable right(int... columns) {
    for (int c : columns) {
      right[c] = true;
    }
    return this;
  }

  TextTable row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(c == null ? "" : c.toString());
    }
    rows.add(r);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out, String indent) {
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    line(out, indent, header, width);
    for (List<String> r : rows) {
      line(out, indent, r, width);
    }
  }

  private void line(PrintWriter out, String indent, List<String> cells, int[] width) {
    StringBuilder sb = new StringBuilder(indent);
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      boolean last = i == cells.size() - 1;
      if (right[i]) {
        sb.append(" ".repeat(width[i] - c.length())).append(c);
      } else {
        sb.append(c);
        if (!last) {
          sb.append(" ".repeat(width[i] - c.length()));
        }
      }
      if (!last) {
        sb.append("  ");
      }
    }
    out.println(sb.toString().stripTrailing());
  }
}
