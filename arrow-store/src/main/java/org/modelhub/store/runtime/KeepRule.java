package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import org.modelhub.store.ModelHubException;

/**
 * DQL's {@code keep top(k, m["metric"], n)}: after {@code n} iterations, only the best
 * {@code k} candidates by {@code metric} go on training to the config's total iterations.
 * Loss metrics are better when lower, accuracy when higher.
 *
 * @param k how many candidates survive (at least 1)
 * @param metric {@code loss} or {@code accuracy} (measured on the held-out test split, as
 *     {@code val_loss} and {@code val_accuracy}), {@code val_loss}, {@code val_accuracy}, or
 *     {@code train_loss} (the mean training loss of the last iterations before the cut)
 * @param iterations the iteration after which the others stop (at least 1)
 */
public record KeepRule(int k, String metric, long iterations) {
  public static final String LOSS = "loss";
  public static final String ACCURACY = "accuracy";
  public static final String VAL_LOSS = "val_loss";
  public static final String VAL_ACCURACY = "val_accuracy";
  public static final String TRAIN_LOSS = "train_loss";
  public static final List<String> METRICS = List.of(LOSS, ACCURACY, VAL_LOSS, VAL_ACCURACY,
      TRAIN_LOSS);

  public KeepRule {
    requireNonNull(metric, "metric");
    metric = metric.trim().toLowerCase(Locale.ROOT);
    if (!METRICS.contains(metric)) {
      throw new ModelHubException("keep top(...): unknown metric '" + metric + "' (metrics: "
          + String.join(", ", METRICS) + ")");
    }
    if (k < 1) {
      throw new ModelHubException("keep top(" + k + ", ...): k must be at least 1");
    }
    if (iterations < 1) {
      throw new ModelHubException("keep top(..., " + iterations + "): the iterations before"
          + " the cut must be at least 1");
    }
  }

  /** The METRICS name the rule reads: {@code val_loss}, {@code val_accuracy} or train_loss. */
  public String metricName() {
    switch (metric) {
      case LOSS: return VAL_LOSS;
      case ACCURACY: return VAL_ACCURACY;
      default: return metric;
    }
  }

  /** Whether a lower value of the metric is better (losses) or a higher one (accuracy). */
  public boolean lowerIsBetter() {
    return !metricName().equals(VAL_ACCURACY);
  }

  /** As DQL writes it: {@code top(5, m["loss"], 100)}. */
  public String label() {
    return "top(" + k + ", m[\"" + metric + "\"], " + iterations + ")";
  }
}
