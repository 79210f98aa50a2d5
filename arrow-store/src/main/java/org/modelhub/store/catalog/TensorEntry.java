package org.modelhub.store.catalog;

import static java.util.Objects.requireNonNull;

import org.modelhub.store.model.DType;
import org.modelhub.store.object.ObjectInfo;

/** A tensor of a version (TENSORS row) and the object that stores its values. */
public record TensorEntry(String name, int ordinal, long[] shape, DType dtype, long numValues,
    ObjectInfo object) {
  public TensorEntry {
    requireNonNull(name, "name");
    requireNonNull(object, "object");
  }

  public String sha256() {
    return object.sha256();
  }

  public String layer() {
    return org.modelhub.store.model.Tensor.layerOf(name);
  }
}
