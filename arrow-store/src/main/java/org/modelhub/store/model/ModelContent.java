package org.modelhub.store.model;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an importer reads and an exporter writes: the network (N), the weights (W) and the
 * metadata (M) a format carries (hyperparameters such as a DL4J updater's learning rate).
 */
public record ModelContent(Network network, List<Tensor> tensors,
    Map<String, String> hyperparams, List<Metric> metrics) {

  public ModelContent {
    requireNonNull(network, "network");
    tensors = List.copyOf(tensors);
    hyperparams = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hyperparams));
    metrics = List.copyOf(metrics);
  }

  public ModelContent(Network network, List<Tensor> tensors) {
    this(network, tensors, Map.of(), List.of());
  }

  /** Tensors by name, in order. */
  public Map<String, Tensor> tensorMap() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    tensors.forEach(t -> m.put(t.name(), t));
    return m;
  }

  public long numParams() {
    return tensors.stream().mapToLong(Tensor::numValues).sum();
  }

  public long rawBytes() {
    return tensors.stream().mapToLong(Tensor::numBytes).sum();
  }
}
