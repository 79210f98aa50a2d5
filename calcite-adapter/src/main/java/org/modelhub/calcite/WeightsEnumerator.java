package org.modelhub.calcite;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.calcite.linq4j.Enumerator;
import org.modelhub.store.Repository;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/**
 * Streams the weight rows of a list of tensors, one verified tensor in memory at a time, plus
 * the next one while it is read ahead. Rows are {@code Object[]} of the requested fields, or
 * the value itself when one field is requested (Calcite's scalar row format).
 */
final class WeightsEnumerator implements Enumerator<Object> {
  /**
   * Once half of a tensor of at least this many values has streamed, the next tensor is read
   * (and verified) on another thread, so that a scan does not stop at each tensor boundary to
   * wait for the store. Smaller tensors load quickly enough inline.
   */
  static final long READ_AHEAD_VALUES = 1 << 20;

  private static final ExecutorService READ_AHEAD = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "modelhub-weights-read-ahead");
    t.setDaemon(true);
    return t;
  });

  private final Repository repo;
  private final List<WeightsTable.Target> targets;
  private final int[] fields;
  /** The only field, or -1 when rows are arrays. */
  private final int scalar;
  private int target = -1;
  /** Values of a float32 tensor, copied once out of the buffer: a plain array load per row. */
  private float[] floats;
  /** A tensor of another dtype, read value by value. */
  private Tensor tensor;
  private long n;
  private long i;
  private String versionId;
  private String tensorName;
  private Object current;
  /** Target {@code target + 1} being read on another thread, or null. */
  private CompletableFuture<Values> ahead;

  /** A tensor's values as the enumerator reads them. */
  private record Values(float[] floats, Tensor tensor, long count) { }

  WeightsEnumerator(Repository repo, List<WeightsTable.Target> targets, int[] fields) {
    this.repo = repo;
    this.targets = targets;
    this.fields = fields;
    this.scalar = fields.length == 1 ? fields[0] : -1;
  }

  @Override public Object current() {
    return current;
  }

  @Override public boolean moveNext() {
    if (i >= n && !nextTensor()) {
      return false;
    }
    long idx = i++;
    if (idx == n >> 1 && n >= READ_AHEAD_VALUES && target + 1 < targets.size()) {
      WeightsTable.Target next = targets.get(target + 1);
      ahead = CompletableFuture.supplyAsync(() -> load(next), READ_AHEAD);
    }
    if (scalar == WeightsTable.WEIGHT) {
      current = floats != null ? (double) floats[(int) idx] : tensor.valueAt(idx);
    } else if (scalar >= 0) {
      current = field(scalar, idx);
    } else {
      Object[] row = new Object[fields.length];
      for (int f = 0; f < row.length; f++) {
        row[f] = field(fields[f], idx);
      }
      current = row;
    }
    return true;
  }

  /** Moves to the next tensor that has values; false at the end. */
  private boolean nextTensor() {
    floats = null;
    tensor = null;
    while (++target < targets.size()) {
      WeightsTable.Target t = targets.get(target);
      Values v = ahead != null ? await(ahead) : load(t);
      ahead = null;
      n = v.count();
      i = 0;
      versionId = t.version().id();
      tensorName = t.tensor().name();
      if (n > 0) {
        floats = v.floats();
        tensor = v.tensor();
        return true;
      }
    }
    n = 0;
    return false;
  }

  private Values load(WeightsTable.Target t) {
    Tensor loaded = repo.tensor(t.version(), t.tensor());
    return loaded.dtype() == DType.FLOAT32
        ? new Values(loaded.toFloats(), null, loaded.numValues())
        : new Values(null, loaded, loaded.numValues());
  }

  /** The tensor read ahead; a failure to read it is thrown as if it had been read here. */
  private static Values await(CompletableFuture<Values> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      if (e.getCause() instanceof Error) {
        throw (Error) e.getCause();
      }
      throw e;
    }
  }

  private Object field(int field, long idx) {
    switch (field) {
      case WeightsTable.VERSION_ID: return versionId;
      case WeightsTable.TENSOR: return tensorName;
      case WeightsTable.IDX: return idx;
      default: return floats != null ? (double) floats[(int) idx] : tensor.valueAt(idx);
    }
  }

  @Override public void reset() {
    close();
    target = -1;
    n = 0;
    i = 0;
  }

  /**
   * Drops the values; waits for a read ahead still running, so that no read outlives the
   * result set (closing the repository right after must find no object open).
   */
  @Override public void close() {
    floats = null;
    tensor = null;
    CompletableFuture<Values> running = ahead;
    ahead = null;
    if (running != null) {
      running.handle((v, e) -> null).join();
    }
  }
}
