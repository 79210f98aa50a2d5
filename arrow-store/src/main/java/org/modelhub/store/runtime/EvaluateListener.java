package org.modelhub.store.runtime;

/**
 * Hears the progress of an evaluate run (a progress line per candidate on a terminal). Called
 * on the training thread; implementations should return quickly.
 */
public interface EvaluateListener {
  EvaluateListener NONE = new EvaluateListener() { };

  /** The run starts: {@code candidates} to train, committed to model {@code runModel}. */
  default void started(String runModel, int candidates) {
  }

  /** A candidate starts (or resumes, after the cut) training up to {@code target}. */
  default void candidateStarted(Candidate candidate, long fromIteration, long target) {
  }

  /** A candidate finished an iteration with this training loss. */
  default void iteration(Candidate candidate, long iteration, double loss) {
  }

  /** A candidate stopped (cut or finished) and was committed. */
  default void candidateFinished(CandidateResult result) {
  }
}
