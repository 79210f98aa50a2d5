package org.modelhub.sqltests;

import java.util.List;
import java.util.Locale;

/**
 * A line diff of a script against its output (longest common subsequence), printed as
 * {@code -} lines of the script and {@code +} lines of the output with their line numbers.
 */
final class LineDiff {
  private LineDiff() {
  }

  /** The differing lines, or an empty string when both are equal. */
  static String diff(List<String> expected, List<String> actual) {
    int n = expected.size();
    int m = actual.size();
    // common[i][j]: length of the longest common subsequence of expected[i..] and actual[j..]
    int[][] common = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        common[i][j] = expected.get(i).equals(actual.get(j)) ? common[i + 1][j + 1] + 1
            : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && expected.get(i).equals(actual.get(j))) {
        i++;
        j++;
      } else if (i < n && (j == m || common[i + 1][j] >= common[i][j + 1])) {
        out.append(String.format(Locale.ROOT, "-%5d %s%n", i + 1, expected.get(i)));
        i++;
      } else {
        out.append(String.format(Locale.ROOT, "+%5d %s%n", j + 1, actual.get(j)));
        j++;
      }
    }
    return out.toString();
  }
}
