package org.modelhub.store.runtime;

import java.util.List;
import org.modelhub.store.ModelHubException;

/**
 * An evaluate run or test stopped by its {@link Cancellation} or an interrupt: the candidates
 * committed before the stop are in {@link #finished()}; nothing else was written.
 */
public final class EvaluateCancelledException extends ModelHubException {
  private final transient List<CandidateResult> finished;

  public EvaluateCancelledException(String message, List<CandidateResult> finished) {
    super(message);
    this.finished = List.copyOf(finished);
  }

  /** Candidates committed before the stop. */
  public List<CandidateResult> finished() {
    return finished;
  }
}
