package org.modelhub.store.runtime;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks a running evaluate or test to stop (Ctrl-C, a closed JDBC statement). The runtime
 * checks it between iterations and stops cleanly: nothing half-committed.
 */
public final class Cancellation {
  private final AtomicBoolean cancelled = new AtomicBoolean();

  public void cancel() {
    cancelled.set(true);
  }

  public boolean isCancelled() {
    return cancelled.get();
  }
}
