package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Metric;

/**
 * The test phase of one version on one data set ({@code dlv eval}): loss, accuracy and
 * confusion matrix. Recorded as METRICS rows of the version named {@code eval.*} whose STEP
 * is the test's number (1 for the version's first test), and HYPERPARAMS rows
 * {@code eval.<N>.data}, {@code eval.<N>.data_sha256} saying on what. These rows annotate
 * the version after its commit: its content id does not cover them (docs/evaluate.md), and
 * {@link Repository#content} leaves them out.
 *
 * @param data the data file (or folder) tested on, as an absolute path
 * @param dataSha256 sha256 over the data file bytes read
 * @param run the test's number among the version's tests (its METRICS STEP), 0 until
 *     recorded
 */
public record TestResult(VersionInfo version, String data, String dataSha256, long examples,
    double loss, double accuracy, ConfusionMatrix confusion, int run) {
  /** Names of METRICS and HYPERPARAMS rows that record tests start with this. */
  public static final String PREFIX = "eval.";

  public TestResult {
    requireNonNull(version, "version");
    requireNonNull(data, "data");
    requireNonNull(confusion, "confusion");
  }

  /** Whether a METRICS or HYPERPARAMS name records a test rather than the version's content. */
  public static boolean isTestRecord(String name) {
    return name.startsWith(PREFIX);
  }

  /** The METRICS rows of this result as test number {@code run}. */
  public List<Metric> metrics(int run) {
    List<Metric> m = new ArrayList<>();
    m.add(new Metric(PREFIX + "loss", run, loss));
    m.add(new Metric(PREFIX + "accuracy", run, accuracy));
    m.add(new Metric(PREFIX + "examples", run, examples));
    for (int a = 0; a < confusion.size(); a++) {
      for (int p = 0; p < confusion.size(); p++) {
        m.add(new Metric(String.format(Locale.ROOT, "%sconfusion.%d.%d", PREFIX, a, p), run,
            confusion.count(a, p)));
      }
    }
    return m;
  }

  /** The HYPERPARAMS rows of this result as test number {@code run}. */
  public Map<String, String> hyperparams(int run) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(PREFIX + run + ".data", data);
    if (dataSha256 != null) {
      h.put(PREFIX + run + ".data_sha256", dataSha256);
    }
    h.put(PREFIX + run + ".classes", String.join(",", confusion.classes()));
    return h;
  }

  /**
   * Appends this result to the version's METRICS and HYPERPARAMS in one transaction, as its
   * next test number; returns the result with that number.
   */
  public TestResult record(Repository repo) {
    int number = repo.catalog().inTransaction(() -> {
      int run = 1 + repo.catalog().queryOne("SELECT MAX(STEP) FROM METRICS"
          + " WHERE VERSION_ID = ? AND NAME = ?", rs -> rs.getInt(1), version.id(),
          PREFIX + "accuracy").orElse(0);
      for (Metric m : metrics(run)) {
        repo.catalog().update("INSERT INTO METRICS (VERSION_ID, NAME, STEP, VAL)"
            + " VALUES (?, ?, ?, ?)", version.id(), m.name(), m.step(), m.value());
      }
      for (Map.Entry<String, String> e : hyperparams(run).entrySet()) {
        repo.catalog().update("INSERT INTO HYPERPARAMS (VERSION_ID, NAME, VAL)"
            + " VALUES (?, ?, ?)", version.id(), e.getKey(), e.getValue());
      }
      return run;
    });
    return new TestResult(version, data, dataSha256, examples, loss, accuracy, confusion,
        number);
  }
}
