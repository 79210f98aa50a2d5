package org.modelhub.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/**
 * A float32 tensor rebuilt from its top k byte planes (PAS progressive retrieval): each value
 * is known to lie in the interval its top 8k bits allow, and is set to the middle of it, so
 * its error is at most half the interval ({@link #bound(int)}). k = 2 is about bfloat16,
 * k = 4 is exact. Only the top planes' bytes are read from a {@code planes} object (and from
 * each {@code xor} delta down its chain).
 */
public final class Approximation {
  private final Tensor tensor;
  private final float[] bounds;
  private final double maxBound;
  private final int planes;

  private Approximation(Tensor tensor, float[] bounds, double maxBound, int planes) {
    this.tensor = tensor;
    this.bounds = bounds;
    this.maxBound = maxBound;
    this.planes = planes;
  }

  /** Reads the top {@code k} planes (1 to 4) of a float32 tensor of a version. */
  public static Approximation of(Repository repo, VersionInfo v, TensorEntry e, int k) {
    if (k < 1 || k > 4) {
      throw new ModelHubException("planes must be 1 to 4, not " + k);
    }
    String what = v.label() + " " + e.name();
    if (e.dtype() != DType.FLOAT32) {
      throw new ModelHubException(what + ": progressive reads need float32 values, not "
          + e.dtype().label());
    }
    if (k == 4) {
      return exact(repo.tensor(v, e));
    }
    byte[] top = repo.tensorStore().top(e.object(), k, what);
    ByteBuffer b = ByteBuffer.wrap(top).order(ByteOrder.LITTLE_ENDIAN);
    int n = Math.toIntExact(e.numValues());
    float[] bounds = new float[n];
    int low = 32 - 8 * k;
    int mask = (1 << low) - 1;
    int half = 1 << (low - 1);
    double max = 0;
    for (int i = 0; i < n; i++) {
      int bits = b.getInt(4 * i);
      float lo = Float.intBitsToFloat(bits);
      float hi = Float.intBitsToFloat(bits | mask);
      float mid = Float.intBitsToFloat(bits | half);
      double err;
      if (Float.isFinite(lo) && Float.isFinite(hi)) {
        err = Math.max(Math.abs((double) mid - lo), Math.abs((double) hi - mid));
      } else {
        mid = lo;
        err = Double.POSITIVE_INFINITY;
      }
      b.putInt(4 * i, Float.floatToRawIntBits(mid));
      bounds[i] = (float) err;
      max = Math.max(max, err);
    }
    Tensor t = new Tensor(e.name(), DType.FLOAT32, e.shape(), b.rewind());
    return new Approximation(t, bounds, max, k);
  }

  /** A tensor read whole: every bound is 0. */
  public static Approximation exact(Tensor t) {
    return new Approximation(t, null, 0, 4);
  }

  /** The approximate values (the tensor's name, shape and dtype). */
  public Tensor tensor() {
    return tensor;
  }

  /** The largest error value {@code i} can carry. */
  public double bound(int i) {
    return bounds == null ? 0 : bounds[i];
  }

  /** The largest error of any value. */
  public double maxBound() {
    return maxBound;
  }

  /** How many planes were read (4: exact). */
  public int planes() {
    return planes;
  }
}
