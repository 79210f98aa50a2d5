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
  /** Error bound by the exponent byte of an approximate value (null: exact). */
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
    int low = 32 - 8 * k;
    int half = 1 << (low - 1);
    // a value's interval, and so its error, depends only on its known exponent bits: one
    // bound per exponent byte, and a value whose interval reaches Inf/NaN keeps its bits
    float[] bounds = new float[256];
    boolean[] keep = new boolean[256];
    int mask = (1 << low) - 1;
    for (int ex = 0; ex < 256; ex++) {
      int bits = ex << 23;
      if ((bits & mask) != 0) {
        continue; // k = 1: the exponent's last bit is unknown, so it is 0 here
      }
      float lo = Float.intBitsToFloat(bits);
      float hi = Float.intBitsToFloat(bits | mask);
      float mid = Float.intBitsToFloat(bits | half);
      if (Float.isFinite(lo) && Float.isFinite(hi)) {
        bounds[ex] = Math.max(mid - lo, hi - mid);
        // k = 1 sets the exponent's last bit in the middle value: look it up there too
        bounds[ex | ((half >>> 23) & 1)] = bounds[ex];
      } else {
        bounds[ex] = Float.POSITIVE_INFINITY;
        keep[ex] = true;
      }
    }
    ByteBuffer b = ByteBuffer.wrap(top).order(ByteOrder.LITTLE_ENDIAN);
    int n = Math.toIntExact(e.numValues());
    float max = 0;
    for (int i = 0; i < n; i++) {
      int bits = b.getInt(4 * i);
      int ex = (bits >>> 23) & 0xff;
      if (!keep[ex]) {
        b.putInt(4 * i, bits | half);
      }
      max = Math.max(max, bounds[ex]);
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
    if (bounds == null) {
      return 0;
    }
    int bits = tensor.data().order(ByteOrder.LITTLE_ENDIAN).getInt(4 * i);
    return bounds[(bits >>> 23) & 0xff];
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
