package org.modelhub.dql;

import org.modelhub.store.ModelHubException;

/**
 * A DQL statement that cannot be parsed or translated: one line saying where (line and
 * column of the statement) and what was wrong or expected.
 */
public class DqlException extends ModelHubException {
  private final int line;
  private final int column;

  public DqlException(Ast.Pos pos, String message) {
    super("DQL " + pos + ": " + message);
    this.line = pos.line();
    this.column = pos.column();
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
