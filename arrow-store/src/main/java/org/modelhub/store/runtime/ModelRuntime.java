package org.modelhub.store.runtime;

import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;

/**
 * Trains and tests stored versions: the engine behind {@code dlv eval} and DQL's
 * {@code evaluate}. dl4j-runtime implements it with DL4J (found with
 * {@link ServiceLoader}); the store itself never trains.
 */
public interface ModelRuntime {
  /**
   * Tests a version on a data set: loss, accuracy and confusion matrix over every example of
   * {@code data}, recorded in the repository ({@link TestResult#record}).
   *
   * @param config batch size, label column, normalisation and example limit; null for the
   *     defaults
   * @throws EvaluateCancelledException when cancelled (nothing is recorded)
   */
  TestResult test(Repository repo, VersionInfo version, Path data, TrainingConfig config,
      Progress progress, Cancellation cancel);

  /**
   * Runs an evaluate statement: trains each candidate, keeps the best, commits every
   * candidate as a version of the run's model with lineage {@code fine-tune} to its source
   * (docs/evaluate.md).
   *
   * @throws EvaluateCancelledException when cancelled; candidates committed before stay
   */
  EvaluateResult evaluate(Repository repo, EvaluateRequest request, EvaluateListener listener,
      Cancellation cancel);

  /** The runtime on the classpath, if any. */
  static Optional<ModelRuntime> find() {
    Optional<ModelRuntime> r = ServiceLoader.load(ModelRuntime.class,
        ModelRuntime.class.getClassLoader()).findFirst();
    return r.isPresent() ? r : ServiceLoader.load(ModelRuntime.class).findFirst();
  }

  /**
   * The runtime on the classpath.
   *
   * @throws ModelHubException saying that training needs dl4j-runtime when it is absent
   */
  static ModelRuntime load() {
    return find().orElseThrow(() -> new ModelHubException("training and evaluation run on"
        + " DL4J: put dl4j-runtime on the classpath (the ./dlv launcher does; a JDBC tool"
        + " needs dl4j-runtime and its dependencies beside the driver jar)"));
  }
}
