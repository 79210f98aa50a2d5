package org.modelhub.store.object;

import org.modelhub.store.ModelHubException;

/** A stored tensor whose bytes no longer rebuild the values its catalog entry promises. */
public class CorruptObjectException extends ModelHubException {
  public CorruptObjectException(String message) {
    super(message);
  }

  public CorruptObjectException(String message, Throwable cause) {
    super(message, cause);
  }
}
