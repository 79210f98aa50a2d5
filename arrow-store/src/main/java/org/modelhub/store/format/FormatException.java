package org.modelhub.store.format;

import java.nio.file.Path;
import org.modelhub.store.ModelHubException;

/**
 * A model file that cannot be read: names the file, the place in it where known (line and
 * column for text, byte offset for binary, a tensor or layer name) and what was wrong.
 */
public class FormatException extends ModelHubException {
  public FormatException(Path file, String where, String what) {
    super(file + (where == null || where.isEmpty() ? "" : ": " + where) + ": " + what);
  }

  public FormatException(Path file, String where, String what, Throwable cause) {
    super(file + (where == null || where.isEmpty() ? "" : ": " + where) + ": " + what, cause);
  }
}
