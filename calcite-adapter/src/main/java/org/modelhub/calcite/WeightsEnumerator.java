package org.modelhub.calcite;

import java.nio.FloatBuffer;
import java.util.List;
import org.apache.calcite.linq4j.Enumerator;
import org.modelhub.store.Repository;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/**
 * Streams the weight rows of a list of tensors, one verified tensor in memory at a time.
 * Rows are {@code Object[]} of the requested fields, or the value itself when one field is
 * requested (Calcite's scalar row format).
 */
final class WeightsEnumerator implements Enumerator<Object> {
  private final Repository repo;
  private final List<WeightsTable.Target> targets;
  private final int[] fields;
  private int target = -1;
  private Tensor tensor;
  private FloatBuffer floats;
  private long n;
  private long i;
  private String versionId;
  private String tensorName;
  private Object current;

  WeightsEnumerator(Repository repo, List<WeightsTable.Target> targets, int[] fields) {
    this.repo = repo;
    this.targets = targets;
    this.fields = fields;
  }

  @Override public Object current() {
    return current;
  }

  @Override public boolean moveNext() {
    while (tensor == null || i >= n) {
      if (++target >= targets.size()) {
        tensor = null;
        return false;
      }
      WeightsTable.Target t = targets.get(target);
      tensor = repo.tensor(t.version(), t.tensor());
      floats = tensor.dtype() == DType.FLOAT32 ? tensor.data().asFloatBuffer() : null;
      n = tensor.numValues();
      i = 0;
      versionId = t.version().id();
      tensorName = t.tensor().name();
    }
    long idx = i++;
    if (fields.length == 1) {
      current = field(fields[0], idx);
    } else {
      Object[] row = new Object[fields.length];
      for (int f = 0; f < fields.length; f++) {
        row[f] = field(fields[f], idx);
      }
      current = row;
    }
    return true;
  }

  private Object field(int field, long idx) {
    switch (field) {
      case WeightsTable.VERSION_ID: return versionId;
      case WeightsTable.TENSOR: return tensorName;
      case WeightsTable.IDX: return idx;
      default: return floats != null ? (double) floats.get((int) idx) : tensor.valueAt(idx);
    }
  }

  @Override public void reset() {
    target = -1;
    tensor = null;
  }

  @Override public void close() {
    tensor = null;
    floats = null;
  }
}
