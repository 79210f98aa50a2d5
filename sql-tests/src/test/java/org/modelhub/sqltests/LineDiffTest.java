package org.modelhub.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Tests {@link LineDiff}, which reports how a script's output differs from the script. */
class LineDiffTest {
  @Test void equalListsHaveNoDiff() {
    assertEquals("", LineDiff.diff(List.of("a", "b"), List.of("a", "b")));
  }

  @Test void changedLineShowsScriptThenOutput() {
    assertEquals(String.format(Locale.ROOT, "-    2 | 862.0 |%n+    2 | 861.0 |%n"),
        LineDiff.diff(List.of("sum", "| 862.0 |", "!ok"),
            List.of("sum", "| 861.0 |", "!ok")));
  }

  @Test void insertedAndMissingLinesKeepTheirNumbers() {
    assertEquals(String.format(Locale.ROOT, "+    2 (1 row)%n-    4 !plan%n"),
        LineDiff.diff(List.of("q;", "!ok", "p;", "!plan"),
            List.of("q;", "(1 row)", "!ok", "p;")));
  }
}
