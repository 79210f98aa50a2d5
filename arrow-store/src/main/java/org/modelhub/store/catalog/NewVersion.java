package org.modelhub.store.catalog;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.Network;
import org.modelhub.store.object.ObjectInfo;

/**
 * Everything one commit writes to the catalog, in one transaction: the version row, its
 * lineage, network, tensor entries, the objects it adds, metadata and files.
 */
public record NewVersion(String id, String model, Instant created, String author,
    String message, String format, Network network, List<TensorEntry> tensors,
    List<ObjectInfo> newObjects, Map<String, String> hyperparams, List<Metric> metrics,
    List<FileEntry> files, List<Parent> parents) {

  public NewVersion {
    requireNonNull(id, "id");
    requireNonNull(model, "model");
    requireNonNull(network, "network");
    tensors = List.copyOf(tensors);
    newObjects = List.copyOf(newObjects);
    metrics = List.copyOf(metrics);
    files = List.copyOf(files);
    parents = List.copyOf(parents);
  }

  /** A parent of the new version and how it derives from it. */
  public record Parent(String id, String kind) { }
}
