package org.modelhub.store;

/**
 * An error a user can meet (bad input, unknown version, missing repository). Its message says
 * what was wrong and where; the command line prints it without a stack trace.
 */
public class ModelHubException extends RuntimeException {
  public ModelHubException(String message) {
    super(message);
  }

  public ModelHubException(String message, Throwable cause) {
    super(message, cause);
  }
}
