package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

/**
 * One row of an evaluate run's result: a candidate, how far it trained, its metric at the
 * cut and at its end, whether it was kept, and the version that records it.
 *
 * @param metric the metric of the keep rule ({@code val_loss} without one)
 * @param metricAtCut the metric after the keep rule's iterations (NaN without a rule)
 * @param finalMetric the metric when its training ended (the cut, for those not kept)
 * @param iterations iterations trained
 * @param rank 1 for the best at the cut (or at the end without a rule)
 * @param versionId the committed version (every candidate is one; see docs/evaluate.md)
 */
public record CandidateResult(Candidate candidate, String metric, double metricAtCut,
    double finalMetric, long iterations, boolean kept, int rank, String versionId,
    String versionLabel) {
  public CandidateResult {
    requireNonNull(candidate, "candidate");
    requireNonNull(metric, "metric");
  }
}
