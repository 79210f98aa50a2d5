package org.modelhub.dl4j.format;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.modelhub.store.format.FormatException;

/**
 * A DL4J input that cannot be read, before it is tied to a file: the importer turns it into a
 * {@link FormatException} naming the file, the exporter into a plain error.
 */
final class Dl4jInputException extends RuntimeException {
  /** What {@link #rootMessage} says of data that stops before its end. */
  static final String ENDS_EARLY = "the data ends early (truncated)";

  private final String where;
  private final String what;

  Dl4jInputException(String where, String what, Throwable cause) {
    super(where == null ? what : where + ": " + what, cause);
    this.where = where;
    this.what = requireNonNull(what, "what");
  }

  Dl4jInputException(String where, String what) {
    this(where, what, null);
  }

  /** The place in the input (a line, a byte offset), or null when unknown. */
  String where() {
    return where;
  }

  String what() {
    return what;
  }

  /** This problem as a format error of {@code file}, inside {@code part} when not null. */
  FormatException in(Path file, String part) {
    return new FormatException(file, join(part, where), what, this);
  }

  static String join(String outer, String inner) {
    if (outer == null || outer.isEmpty()) {
      return inner;
    }
    return inner == null || inner.isEmpty() ? outer : outer + ", " + inner;
  }

  /** The innermost message of a chain: libraries wrap the one that says what happened. */
  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof java.io.EOFException) {
      return ENDS_EARLY;
    }
    String m = root.getMessage();
    return m == null || m.isEmpty() ? root.getClass().getSimpleName() : m;
  }
}
