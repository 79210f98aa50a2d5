package org.modelhub.store.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Asks a running evaluate or test to stop (Ctrl-C, a closed or cancelled JDBC statement). The
 * runtime checks it between iterations and stops cleanly: nothing half-committed.
 */
public final class Cancellation {
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final List<BooleanSupplier> watched;

  public Cancellation() {
    this.watched = List.of();
  }

  private Cancellation(List<BooleanSupplier> watched) {
    this.watched = List.copyOf(watched);
  }

  /**
   * A cancellation that is also cancelled when {@code condition} holds, such as a JDBC
   * statement's cancel flag ({@code flag::get}); a null condition adds nothing.
   */
  public Cancellation watching(BooleanSupplier condition) {
    List<BooleanSupplier> w = new ArrayList<>();
    w.add(this::isCancelled);
    if (condition != null) {
      w.add(condition);
    }
    return new Cancellation(w);
  }

  public void cancel() {
    cancelled.set(true);
  }

  public boolean isCancelled() {
    if (cancelled.get()) {
      return true;
    }
    for (BooleanSupplier s : watched) {
      if (s.getAsBoolean()) {
        return true;
      }
    }
    return false;
  }
}
