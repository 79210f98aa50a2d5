package org.modelhub.store.model;

import static java.util.Objects.requireNonNull;

/** One logged value of a training log: metric {@code name} at {@code step}. */
public record Metric(String name, long step, double value) {
  public Metric {
    requireNonNull(name, "name");
  }
}
