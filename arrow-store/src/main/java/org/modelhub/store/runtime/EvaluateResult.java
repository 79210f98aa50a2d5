package org.modelhub.store.runtime;

import java.util.List;

/**
 * The outcome of an evaluate run: the model its candidates were committed to and one row
 * per candidate, in candidate order.
 */
public record EvaluateResult(String runModel, List<CandidateResult> candidates) {
  public EvaluateResult {
    candidates = List.copyOf(candidates);
  }
}
