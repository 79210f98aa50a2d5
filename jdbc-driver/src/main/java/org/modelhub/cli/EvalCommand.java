package org.modelhub.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.ConfusionMatrix;
import org.modelhub.store.runtime.EvaluateCancelledException;
import org.modelhub.store.runtime.ModelRuntime;
import org.modelhub.store.runtime.Setting;
import org.modelhub.store.runtime.TestResult;
import org.modelhub.store.runtime.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dlv eval VERSION --data PATH}: the test phase. Runs the version (DL4J) on every
 * example of the data and prints loss, accuracy and the confusion matrix, recorded as the
 * version's {@code eval.*} METRICS rows (docs/evaluate.md).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Test a version on labelled data: loss, accuracy and confusion matrix,"
        + " recorded as METRICS rows eval.* of the version (STEP = the test's number).",
        "Data: an IDX images file (MNIST format, gzip or not; its labels file beside it), a"
            + " folder holding one, or a CSV file (features, then the label column).",
        "Ctrl-C stops the test; nothing is recorded then."})
final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RepoOption repoOption;

  @Parameters(paramLabel = "VERSION", description = "model@N, a model name or an id prefix.")
  String version;

  @Option(names = "--data", paramLabel = "PATH", required = true,
      description = "The examples to test on.")
  Path data;

  @Option(names = "--config", paramLabel = "FILE",
      description = "A config file (docs/evaluate.md): batch_size, label_column, normalize,"
          + " examples.")
  Path config;

  @Option(names = "--examples", paramLabel = "N",
      description = "Test on the first N examples only.")
  Integer examples;

  @Option(names = "--label-column", paramLabel = "COLUMN",
      description = "CSV label column, by header name or 0-based index (default: the last).")
  String labelColumn;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ModelRuntime runtime = ModelRuntime.load();
    TrainingConfig c = config != null ? TrainingConfig.read(config) : TrainingConfig.defaults();
    if (examples != null) {
      c = c.with(Setting.config(TrainingConfig.EXAMPLES), examples.toString());
    }
    if (labelColumn != null) {
      c = c.with(Setting.config(TrainingConfig.LABEL_COLUMN), labelColumn);
    }
    try (Repository repo = repoOption.open()) {
      VersionInfo v = repo.resolve(version);
      EvaluateProgress bar = EvaluateProgress.forConsole();
      Cancellation cancel = new Cancellation();
      TestResult r;
      try (CtrlC ignored = CtrlC.cancels(cancel, System.err)) {
        r = runtime.test(repo, v, data, c, bar != null ? bar : Progress.NONE, cancel);
      } catch (EvaluateCancelledException e) {
        spec.commandLine().getErr().println("dlv eval: " + e.getMessage());
        return 130;
      }
      print(out, r);
    }
    return 0;
  }

  private static void print(PrintWriter out, TestResult r) {
    out.println(r.version().label() + " (" + r.version().shortId() + ") on " + r.data() + ": "
        + Fmt.count(r.examples()) + " examples");
    out.println("loss      " + Fmt.num(r.loss()));
    out.println("accuracy  " + Fmt.percent(r.accuracy()));
    ConfusionMatrix m = r.confusion();
    out.println();
    out.println("confusion matrix (rows: actual class, columns: predicted class)");
    int width = 5;
    for (String name : m.classes()) {
      width = Math.max(width, name.length() + 1);
    }
    for (int a = 0; a < m.size(); a++) {
      for (int p = 0; p < m.size(); p++) {
        width = Math.max(width, Long.toString(m.count(a, p)).length() + 1);
      }
    }
    StringBuilder head = new StringBuilder(" ".repeat(width));
    for (String name : m.classes()) {
      head.append(String.format(Locale.ROOT, "%" + width + "s", name));
    }
    out.println(head.toString().stripTrailing() + String.format(Locale.ROOT, "%" + (width + 2)
        + "s", "recall"));
    for (int a = 0; a < m.size(); a++) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%" + width + "s",
          m.classes().get(a)));
      for (int p = 0; p < m.size(); p++) {
        row.append(String.format(Locale.ROOT, "%" + width + "d", m.count(a, p)));
      }
      long n = m.actualTotal(a);
      row.append(String.format(Locale.ROOT, "%" + (width + 2) + "s",
          n == 0 ? "-" : Fmt.percent(m.count(a, a) / (double) n)));
      out.println(row);
    }
    out.println();
    out.println("recorded as test " + r.run() + " of " + r.version().label() + ": METRICS"
        + " eval.loss, eval.accuracy, eval.examples, eval.confusion.<actual>.<predicted> at"
        + " STEP " + r.run() + "; HYPERPARAMS eval." + r.run() + ".data");
  }
}
