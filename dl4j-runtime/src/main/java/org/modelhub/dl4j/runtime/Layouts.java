package org.modelhub.dl4j.runtime;

/**
 * Reorders tensor values between layouts: permutations of axes (transposes, Keras kernels
 * {@code [h,w,in,out]} to DL4J's {@code [out,in,h,w]}) and the rows of a dense layer that
 * reads a flattened image (channels last in Keras, channels first in DL4J).
 */
final class Layouts {
  private Layouts() {
  }

  /**
   * Values of {@code src} (C order of {@code shape}) permuted: axis {@code i} of the result is
   * axis {@code perm[i]} of the source.
   */
  static float[] permute(float[] src, long[] shape, int[] perm) {
    int rank = shape.length;
    long[] outShape = new long[rank];
    for (int i = 0; i < rank; i++) {
      outShape[i] = shape[perm[i]];
    }
    long[] srcStride = strides(shape);
    float[] out = new float[src.length];
    int[] idx = new int[rank];
    for (int o = 0; o < out.length; o++) {
      long s = 0;
      for (int i = 0; i < rank; i++) {
        s += idx[i] * srcStride[perm[i]];
      }
      out[o] = src[(int) s];
      for (int i = rank - 1; i >= 0; i--) {
        if (++idx[i] < outShape[i]) {
          break;
        }
        idx[i] = 0;
      }
    }
    return out;
  }

  /** The permutation that undoes {@code perm}. */
  static int[] inverse(int[] perm) {
    int[] inv = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      inv[perm[i]] = i;
    }
    return inv;
  }

  static long[] permuted(long[] shape, int[] perm) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[perm[i]];
    }
    return out;
  }

  private static long[] strides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /**
   * Reorders the rows of a {@code [c*h*w, out]} matrix from channels-last flattening
   * ({@code (y, x, ch)}) to channels-first ({@code (ch, y, x)}), or back when
   * {@code toChannelsFirst} is false.
   */
  static float[] flattenedRows(float[] src, long c, long h, long w, long out,
      boolean toChannelsFirst) {
    float[] dst = new float[src.length];
    int cols = (int) out;
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int first = (int) ((ch * h + y) * w + x);
          int last = (int) ((y * w + x) * c + ch);
          int from = toChannelsFirst ? last : first;
          int to = toChannelsFirst ? first : last;
          System.arraycopy(src, from * cols, dst, to * cols, cols);
        }
      }
    }
    return dst;
  }
}
