package org.modelhub.calcite;

import java.util.Locale;
import java.util.Map;
import org.apache.calcite.runtime.CalciteException;

/**
 * What to tell someone who writes to a virtual table: which command does that work. The
 * tables are views of the repository; they change only through its commands.
 */
public final class ReadOnlyTables {
  private static final Map<String, String> HOW = Map.of(
      "QUERY_VERSIONS", "DQL statements are saved with 'dlv query --name NAME \"...\"'",
      "LINEAGE", "lineage is recorded by 'dlv commit --parent', 'dlv copy' and DQL",
      "METRICS", "metrics come from training logs ('dlv add LOG' then 'dlv commit') and"
          + " 'dlv eval'",
      "HYPERPARAMS", "hyperparameters come from model files and training logs ('dlv add',"
          + " 'dlv commit')",
      "FILES", "files are attached with 'dlv add FILE' and 'dlv commit'",
      "QUERIES", "DQL statements are saved with 'dlv query --name NAME \"...\"'");

  private ReadOnlyTables() {
  }

  /** The error for an INSERT, UPDATE, DELETE or MERGE on {@code table}. */
  static CalciteException reject(String table) {
    String t = table.toUpperCase(Locale.ROOT);
    String how = HOW.getOrDefault(t, "versions are created by 'dlv commit', 'dlv copy' and"
        + " DQL slice/construct, never by SQL writes");
    return new Rejected("table MODELHUB." + t + " is read-only: " + how);
  }

  /**
   * The refusal inside {@code e}, if any, so that a driver can report it rather than the
   * planner's "Error while applying rule ..." around it; else {@code e}.
   */
  public static RuntimeException unwrap(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof Rejected r) {
        return r;
      }
    }
    return e;
  }

  /** A write to a read-only table, refused while the statement is planned. */
  private static final class Rejected extends CalciteException {
    Rejected(String message) {
      super(message, null);
    }
  }
}
