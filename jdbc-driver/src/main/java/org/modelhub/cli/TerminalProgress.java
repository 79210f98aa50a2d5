package org.modelhub.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.modelhub.store.Progress;

/**
 * A progress bar on standard error, redrawn at most ten times a second. Used only when the
 * command runs on a terminal; piped output stays free of it.
 */
final class TerminalProgress implements Progress {
  private static final int WIDTH = 30;

  private final PrintStream err;
  private final AtomicLong done = new AtomicLong();
  private volatile String task = "";
  private volatile long total;
  private volatile long started;
  private volatile long lastDraw;

  private TerminalProgress(PrintStream err) {
    this.err = err;
  }

  /** A bar when standard output and error are a terminal, else nothing. */
  static Progress forConsole() {
    return System.console() != null && System.getenv("DLV_NO_PROGRESS") == null
        ? new TerminalProgress(System.err) : Progress.NONE;
  }

  @Override public void begin(String taskName, long totalUnits) {
    task = taskName;
    total = totalUnits;
    done.set(0);
    started = System.nanoTime();
    lastDraw = 0;
    draw(false);
  }

  @Override public void advance(long units) {
    done.addAndGet(units);
    long now = System.nanoTime();
    if (now - lastDraw > 100_000_000L) {
      lastDraw = now;
      draw(false);
    }
  }

  @Override public synchronized void end() {
    draw(true);
    err.println();
  }

  private synchronized void draw(boolean last) {
    long d = Math.min(done.get(), total);
    double f = total <= 0 ? 1 : d / (double) total;
    int filled = (int) Math.round(f * WIDTH);
    double secs = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
    String rate = Fmt.bytes((long) (d / secs)) + "/s";
    err.print(String.format(Locale.ROOT, "\r%-20.20s [%s%s] %3.0f%% %s of %s %s",
        task, "#".repeat(filled), ".".repeat(WIDTH - filled), f * 100, Fmt.bytes(d),
        Fmt.bytes(total), last ? "" : rate));
    err.flush();
  }
}
