package org.modelhub.dl4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.modelhub.store.format.FormatException;

/**
 * Reads a CSV file of examples: numeric feature columns and one label column (the last
 * unless {@code label_column} names another, by header name or 0-based index). A first row
 * with text where the second row has a number is a header; the scikit-learn layout, whose
 * first row is {@code count,features,class names...} (Iris), gives the class names. Labels
 * are whole numbers (class numbers) or text (classes named by it, numbered in sorted order).
 * Separators are commas, or tabs in a file without commas; {@code #} lines are comments.
 */
final class CsvReader {
  private CsvReader() {
  }

  static LabeledData read(Path file, String labelColumn, int limit) throws IOException {
    List<String[]> rows = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    int lineNo = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        if (limit > 0 && rows.size() > limit) {
          break;
        }
        rows.add(split(line));
        lines.add(lineNo);
      }
    }
    String[] header = null;
    if (!rows.isEmpty() && isHeader(rows.get(0), rows.size() > 1 ? rows.get(1) : null)) {
      header = rows.remove(0);
      lines.remove(0);
    }
    while (limit > 0 && rows.size() > limit) {
      rows.remove(rows.size() - 1);
    }
    if (rows.isEmpty()) {
      throw new FormatException(file, null, "no examples (an empty CSV file, or a header only)");
    }
    int width = rows.get(0).length;
    if (width < 2) {
      throw new FormatException(file, "line " + lines.get(0), "a CSV of examples needs at"
          + " least one feature column and a label column; this row has " + width);
    }
    // scikit-learn's layout: "150,4,setosa,versicolor,virginica"
    List<String> sklearnClasses = null;
    if (header != null && header.length >= 3 && isWhole(header[0]) && isWhole(header[1])
        && Integer.parseInt(header[1].trim()) == width - 1) {
      sklearnClasses = new ArrayList<>();
      for (int i = 2; i < header.length; i++) {
        sklearnClasses.add(header[i].trim());
      }
      header = null;
    }
    int label = labelIndex(file, labelColumn, header, width);
    float[][] features = new float[rows.size()][width - 1];
    String[] labelText = new String[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i);
      if (cells.length != width) {
        throw new FormatException(file, "line " + lines.get(i), "has " + cells.length
            + " columns, the first row has " + width);
      }
      int f = 0;
      for (int c = 0; c < width; c++) {
        if (c == label) {
          labelText[i] = cells[c].trim();
          continue;
        }
        try {
          features[i][f++] = Float.parseFloat(cells[c].trim());
        } catch (NumberFormatException e) {
          throw new FormatException(file, "line " + lines.get(i) + ", column "
              + columnName(header, c), "'" + cells[c].trim() + "' is not a number");
        }
      }
    }
    boolean numeric = true;
    for (String t : labelText) {
      numeric &= isWhole(t) && Integer.parseInt(t) >= 0;
    }
    int[] y = new int[rows.size()];
    List<String> classes = new ArrayList<>();
    if (numeric) {
      int max = 0;
      for (int i = 0; i < y.length; i++) {
        y[i] = Integer.parseInt(labelText[i]);
        max = Math.max(max, y[i]);
      }
      if (sklearnClasses != null && sklearnClasses.size() > max) {
        classes.addAll(sklearnClasses);
      } else {
        for (int c = 0; c <= max; c++) {
          classes.add(Integer.toString(c));
        }
      }
    } else {
      Map<String, Integer> ids = new TreeMap<>();
      for (String t : new TreeSet<>(List.of(labelText))) {
        ids.put(t, ids.size());
        classes.add(t);
      }
      for (int i = 0; i < y.length; i++) {
        y[i] = ids.get(labelText[i]);
      }
    }
    return new LabeledData(file.toString(), DataSources.sha256(file), features,
        new long[] {width - 1}, y, classes);
  }

  private static int labelIndex(Path file, String labelColumn, String[] header, int width) {
    if (labelColumn == null || labelColumn.isBlank()) {
      return width - 1;
    }
    String want = labelColumn.trim();
    if (header != null) {
      for (int i = 0; i < header.length; i++) {
        if (header[i].trim().equalsIgnoreCase(want)) {
          return i;
        }
      }
    }
    if (isWhole(want)) {
      int i = Integer.parseInt(want);
      if (i < width) {
        return i;
      }
    }
    throw new FormatException(file, null, "no label column '" + want + "' ("
        + (header != null ? "columns: " + String.join(", ", header) : "no header; "
            + width + " columns, numbered from 0") + ")");
  }

  private static String columnName(String[] header, int c) {
    return header != null && c < header.length ? "'" + header[c].trim() + "'"
        : Integer.toString(c);
  }

  private static String[] split(String line) {
    String sep = line.contains(",") || !line.contains("\t") ? "," : "\t";
    String[] cells = line.split(sep, -1);
    for (int i = 0; i < cells.length; i++) {
      String t = cells[i].trim();
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      cells[i] = t;
    }
    return cells;
  }

  /**
   * A first row is a header when some cell of it is text where the second row has a number
   * (a text label column is text in every row), or, alone, when it holds no number.
   */
  private static boolean isHeader(String[] first, String[] second) {
    boolean anyNumber = false;
    for (int c = 0; c < first.length; c++) {
      boolean number = isNumber(first[c]);
      anyNumber |= number;
      if (!number && second != null && c < second.length && isNumber(second[c])) {
        return true;
      }
    }
    return !anyNumber;
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isWhole(String s) {
    return s.trim().toLowerCase(Locale.ROOT).matches("-?[0-9]+");
  }
}
