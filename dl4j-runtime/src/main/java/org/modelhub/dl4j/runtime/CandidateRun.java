package org.modelhub.dl4j.runtime;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.modelhub.dl4j.data.Batches;
import org.modelhub.dl4j.data.DataSplit;
import org.modelhub.store.Progress;
import org.modelhub.store.model.Metric;
import org.modelhub.store.runtime.Candidate;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.EvaluateListener;
import org.modelhub.store.runtime.KeepRule;
import org.modelhub.store.runtime.TrainingConfig;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One candidate in training: its graph, its data cursor and its training log. An iteration
 * is one minibatch step; the log has {@code loss} (the minibatch's, as DL4J scores it, with
 * the weight-decay term) and {@code lr} (the base learning rate) at every iteration, and
 * {@code val_loss}, {@code val_accuracy} on the held-out examples at every
 * {@code test_interval}, at the cut and at the end.
 */
final class CandidateRun {
  /** Training losses averaged for {@code train_loss}. */
  private static final int TRAIN_LOSS_WINDOW = 10;

  private final Candidate candidate;
  private final TrainingConfig config;
  private final Dl4jGraph graph;
  private final DataSplit data;
  private final Batches batches;
  private final List<String> classes;
  private final List<Metric> log = new ArrayList<>();
  private final List<Double> recentLosses = new ArrayList<>();
  private long iterations;
  private double valLoss = Double.NaN;
  private double valAccuracy = Double.NaN;
  private long validatedAt = -1;

  CandidateRun(Candidate candidate, TrainingConfig config, Dl4jGraph graph, DataSplit data) {
    this.candidate = requireNonNull(candidate, "candidate");
    this.config = requireNonNull(config, "config");
    this.graph = requireNonNull(graph, "graph");
    this.data = requireNonNull(data, "data");
    this.batches = new Batches(data.train(), config.intValue(TrainingConfig.BATCH_SIZE),
        graph.inputShape(), config.count(TrainingConfig.SEED));
    this.classes = data.train().classes();
  }

  Candidate candidate() {
    return candidate;
  }

  TrainingConfig config() {
    return config;
  }

  Dl4jGraph graph() {
    return graph;
  }

  DataSplit data() {
    return data;
  }

  long iterations() {
    return iterations;
  }

  List<Metric> log() {
    return List.copyOf(log);
  }

  /**
   * Trains up to iteration {@code target}, validating at every {@code test_interval} and at
   * {@code target}.
   *
   * @return false when cancelled (the run stops between two iterations)
   */
  boolean trainTo(long target, EvaluateListener listener, Cancellation cancel) {
    long interval = config.count(TrainingConfig.TEST_INTERVAL);
    while (iterations < target) {
      if (cancel.isCancelled()) {
        return false;
      }
      double lr = Updaters.learningRate(config, iterations);
      DataSet batch = batches.next();
      graph.graph().fit(batch);
      iterations++;
      double loss = graph.graph().score();
      log.add(new Metric("loss", iterations, loss));
      log.add(new Metric("lr", iterations, lr));
      recentLosses.add(loss);
      if (recentLosses.size() > TRAIN_LOSS_WINDOW) {
        recentLosses.remove(0);
      }
      listener.iteration(candidate, iterations, loss);
      if (interval > 0 && iterations % interval == 0 && iterations < target) {
        validate(cancel);
      }
    }
    return validate(cancel);
  }

  /** Measures the held-out examples now, once per iteration count; false when cancelled. */
  private boolean validate(Cancellation cancel) {
    if (validatedAt == iterations || data.test().size() == 0) {
      return true;
    }
    Tester.Measures m = Tester.run(graph, data.test(), classes,
        Math.max(256, config.intValue(TrainingConfig.BATCH_SIZE)), Progress.NONE, cancel);
    if (m == null) {
      return false;
    }
    valLoss = m.loss();
    valAccuracy = m.accuracy();
    validatedAt = iterations;
    log.add(new Metric(KeepRule.VAL_LOSS, iterations, valLoss));
    log.add(new Metric(KeepRule.VAL_ACCURACY, iterations, valAccuracy));
    return true;
  }

  /** A metric of the keep rule, as it stands now. */
  double metric(String name) {
    switch (name) {
      case KeepRule.VAL_LOSS: return valLoss;
      case KeepRule.VAL_ACCURACY: return valAccuracy;
      case KeepRule.TRAIN_LOSS:
        return recentLosses.stream().mapToDouble(Double::doubleValue).average()
            .orElse(Double.NaN);
      default: throw new IllegalArgumentException(name);
    }
  }
}
