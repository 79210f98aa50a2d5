package org.modelhub.store;

import org.modelhub.store.model.ModelContent;

/** Lets tests of other packages make training-like snapshots. */
public final class DeltaCommitTestAccess {
  private DeltaCommitTestAccess() {
  }

  /** One step of training: every weight moves a little. */
  public static ModelContent step(ModelContent c, long seed) {
    return DeltaCommitTest.step(c, seed);
  }
}
