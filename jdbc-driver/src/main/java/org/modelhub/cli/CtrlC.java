package org.modelhub.cli;

import java.io.PrintStream;
import org.modelhub.store.runtime.Cancellation;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns the first Ctrl-C (SIGINT) into a {@link Cancellation} while long work runs, so that
 * the work stops between two steps and leaves the repository consistent, instead of the JVM
 * exiting halfway; a second Ctrl-C exits at once, as usual.
 *
 * <pre>try (CtrlC c = CtrlC.cancels(cancel, System.err)) { ... }</pre>
 */
final class CtrlC implements AutoCloseable {
  private static final Signal INT = new Signal("INT");

  private final SignalHandler previous;

  private CtrlC(SignalHandler previous) {
    this.previous = previous;
  }

  /** Until closed, Ctrl-C cancels {@code cancel} (and says so on {@code err}). */
  static CtrlC cancels(Cancellation cancel, PrintStream err) {
    SignalHandler[] before = new SignalHandler[1];
    SignalHandler handler = sig -> {
      cancel.cancel();
      err.println();
      err.println("stopping at the next step (Ctrl-C again to quit at once)...");
      err.flush();
      // the next Ctrl-C gets the JVM's own handling: exit
      Signal.handle(INT, before[0]);
    };
    try {
      before[0] = Signal.handle(INT, handler);
    } catch (IllegalArgumentException e) {
      // no SIGINT here (the JVM runs with -Xrs): Ctrl-C keeps its default meaning
      return new CtrlC(null);
    }
    return new CtrlC(before[0]);
  }

  @Override public void close() {
    if (previous != null) {
      Signal.handle(INT, previous);
    }
  }
}
