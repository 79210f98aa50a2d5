package org.modelhub.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.modelhub.store.Progress;
import org.modelhub.store.runtime.Candidate;
import org.modelhub.store.runtime.CandidateResult;
import org.modelhub.store.runtime.EvaluateListener;

/**
 * Progress of training and testing on a terminal: for an evaluate run, one line per
 * candidate, redrawn as it trains and left with its outcome when it is committed; for a
 * test, a bar over the examples. Prints nothing when output is piped.
 */
final class EvaluateProgress implements EvaluateListener, Progress {
  private static final int WIDTH = 20;

  private final PrintStream err;
  private int candidates;
  private Candidate current;
  private long from;
  private long target;
  private long lastDraw;
  private String task = "";
  private long total;
  private long done;

  EvaluateProgress(PrintStream err) {
    this.err = err;
  }

  /** Lines on standard error when it is a terminal, else nothing. */
  static EvaluateProgress forConsole() {
    return System.console() != null && System.getenv("DLV_NO_PROGRESS") == null
        ? new EvaluateProgress(System.err) : null;
  }

  @Override public synchronized void started(String runModel, int count) {
    candidates = count;
    err.println("evaluate: " + count + " candidates, committed to model " + runModel);
  }

  @Override public synchronized void candidateStarted(Candidate c, long fromIteration,
      long targetIteration) {
    current = c;
    from = fromIteration;
    target = targetIteration;
    lastDraw = 0;
    draw(fromIteration, Double.NaN);
  }

  @Override public synchronized void iteration(Candidate c, long iteration, double loss) {
    long now = System.nanoTime();
    if (iteration == target || now - lastDraw > 100_000_000L) {
      lastDraw = now;
      draw(iteration, loss);
    }
  }

  private void draw(long iteration, double loss) {
    double f = target <= 0 ? 1 : iteration / (double) target;
    int filled = (int) Math.round(f * WIDTH);
    err.print(String.format(Locale.ROOT, "\r%s [%s%s] %d/%d%s\u001b[K", label(current),
        "#".repeat(filled), ".".repeat(WIDTH - filled), iteration, target,
        Double.isNaN(loss) ? "" : String.format(Locale.ROOT, " loss %.4g", loss)));
    err.flush();
  }

  private String label(Candidate c) {
    return String.format(Locale.ROOT, "%d/%d %s", c.number(), candidates,
        c.describe().substring(c.describe().indexOf(' ') + 1));
  }

  @Override public synchronized void candidateFinished(CandidateResult r) {
    err.print("\r" + line(r, candidates) + "\u001b[K\n");
    err.flush();
  }

  /** The line a finished candidate leaves: its settings, metric, outcome and version. */
  static String line(CandidateResult r, int candidates) {
    Candidate c = r.candidate();
    String settings = c.describe().substring(c.describe().indexOf(' ') + 1);
    return String.format(Locale.ROOT, "%d/%d %s: %s %s after %d iterations -> %s %s",
        c.number(), candidates, settings, r.metric(), Fmt.num(r.finalMetric()), r.iterations(),
        r.kept() ? "kept" : "stopped", r.versionLabel());
  }

  @Override public synchronized void begin(String name, long totalUnits) {
    task = name;
    total = totalUnits;
    done = 0;
    lastDraw = 0;
    bar();
  }

  @Override public synchronized void advance(long units) {
    done += units;
    long now = System.nanoTime();
    if (now - lastDraw > 100_000_000L) {
      lastDraw = now;
      bar();
    }
  }

  @Override public synchronized void end() {
    bar();
    err.print("\r\u001b[K");
    err.flush();
  }

  private void bar() {
    double f = total <= 0 ? 1 : Math.min(1, done / (double) total);
    int filled = (int) Math.round(f * WIDTH);
    err.print(String.format(Locale.ROOT, "\r%s [%s%s] %s/%s examples", task,
        "#".repeat(filled), ".".repeat(WIDTH - filled), Fmt.count(done), Fmt.count(total)));
    err.flush();
  }
}
