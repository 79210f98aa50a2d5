package org.modelhub.store.object;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Order-0 entropy of byte planes, and of float32 values' top bits (what {@link JointCoder}
 * codes as a pair), straight from little-endian values (no split): the size estimate behind
 * the commit's delta choice and the storage planner's edge costs, and the lower bounds the
 * benchmark reports.
 */
public final class PlaneStats {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  /** Runs sampled by {@link #of(byte[], byte[], int, DeltaOp, boolean)} when sampling. */
  private static final int RUNS = 16;
  private static final int RUN_VALUES = 4096;

  /**
   * Bits per value a coded pair takes above its order-0 entropy: its symbols' list and rANS
   * table, and the coder's precision ({@code JointCoderTest} holds it within 0.02 on 300k
   * Gaussian weights).
   */
  private static final double PAIR_OVERHEAD_BITS = 0.02;

  private final long[][] histograms;
  /**
   * Counts of each float32 value's top bits, as {@link JointCoder#histogram}'s, for tensors
   * the coder may code a pair of planes for; else null.
   */
  private final long[] top;
  private long values;

  /**
   * Statistics of planes of values of {@code width} bytes; with the top bits counted too when
   * {@code pairs} (float32 values, as many as the coder takes a pair for: the counts are 64 KB,
   * which a commit of thousands of small tensors would otherwise allocate for each).
   */
  private PlaneStats(int width, boolean pairs) {
    histograms = new long[width][256];
    top = pairs ? new long[1 << JointCoder.TOP_BITS] : null;
  }

  /**
   * Statistics of the planes of {@code value} (op {@code base} when both are given), over
   * all values or a sample of runs spread over the tensor.
   */
  public static PlaneStats of(byte[] value, byte[] base, int width, DeltaOp op,
      boolean sample) {
    int n = value.length / width;
    PlaneStats s = new PlaneStats(width, width == 4 && n >= JointCoder.MIN_VALUES);
    if (!sample || n <= RUNS * RUN_VALUES) {
      s.add(value, base, width, op, 0, n);
    } else {
      for (int r = 0; r < RUNS; r++) {
        int start = BytePlanes.pieceStart(n, RUN_VALUES, r, RUNS);
        s.add(value, base, width, op, start, RUN_VALUES);
      }
    }
    return s;
  }

  /** A delta operation and the stored bytes it is estimated to take. */
  public record Delta(DeltaOp op, long bytes) { }

  /**
   * The smaller delta of {@code value} against {@code base}, by the estimate of its planes
   * over {@code n} values: {@code xor} or {@code zigzag} ({@code xor} alone for values of one
   * byte). The commit's delta choice and the storage planner's edges.
   */
  public static Delta bestDelta(byte[] value, byte[] base, int width, long n, boolean sample) {
    long xor = of(value, base, width, DeltaOp.XOR, sample).estimate(n);
    long zigzag = width == 1 ? Long.MAX_VALUE
        : of(value, base, width, DeltaOp.ZIGZAG, sample).estimate(n);
    return xor <= zigzag ? new Delta(DeltaOp.XOR, xor) : new Delta(DeltaOp.ZIGZAG, zigzag);
  }

  private void add(byte[] value, byte[] base, int width, DeltaOp op, int from, int n) {
    if (width == 4) {
      add4(value, base, op, from, n);
      return;
    }
    byte[] v = value;
    int off = from * width;
    if (base != null) {
      v = new byte[n * width];
      byte[] a = java.util.Arrays.copyOfRange(value, off, off + n * width);
      byte[] b = java.util.Arrays.copyOfRange(base, off, off + n * width);
      op.encode(a, b, v, v.length, width);
      off = 0;
    }
    for (int p = 0; p < width; p++) {
      long[] h = histograms[p];
      for (int i = 0, at = off + width - 1 - p; i < n; i++, at += width) {
        h[v[at] & 0xff]++;
      }
    }
    values += n;
  }

  /**
   * {@link #add} for 4-byte values: one int load per value (and per base value), the delta
   * taken on the int, all four planes counted at once; no copies.
   */
  private void add4(byte[] value, byte[] base, DeltaOp op, int from, int n) {
    long[] h0 = histograms[0];
    long[] h1 = histograms[1];
    long[] h2 = histograms[2];
    long[] h3 = histograms[3];
    long[] t = top;
    for (int i = 0, at = 4 * from; i < n; i++, at += 4) {
      int v = (int) INT.get(value, at);
      if (base != null) {
        v = op.encode(v, (int) INT.get(base, at));
      }
      h0[v >>> 24]++;
      h1[v >>> 16 & 0xff]++;
      h2[v >>> 8 & 0xff]++;
      h3[v & 0xff]++;
      if (t != null) {
        t[v >>> (32 - JointCoder.TOP_BITS)]++;
      }
    }
    values += n;
  }

  public int width() {
    return histograms.length;
  }

  /** Order-0 entropy of plane {@code p}, in bits per byte. */
  public double bits(int p) {
    return values == 0 ? 0 : BytePlanes.entropy(histograms[p], values);
  }

  /**
   * Bits per value of the first two planes coded as a pair ({@link JointCoder}) at their
   * order-0 entropy; infinite for values other than float32, for tensors too small for a pair
   * ({@link JointCoder#MIN_VALUES}), or where no pair applies.
   */
  public double pairBits() {
    return top == null || values == 0 ? Double.POSITIVE_INFINITY
        : JointCoder.entropy(top, values);
  }

  /**
   * Estimated stored bytes for {@code numValues} values: each plane at its entropy (rANS
   * comes within about a hundredth of a bit) when coding saves enough to pay, else raw, or
   * the first two as a pair where that pays; as {@link PlaneCodec} decides. Plus the object's
   * framing.
   */
  public long estimate(long numValues) {
    double bits = 0;
    for (int p = 0; p < width(); p++) {
      bits += PlaneCodec.storedBits(bits(p));
    }
    if (numValues >= JointCoder.MIN_VALUES && bits(0) > PlaneCodec.RUNS_BITS) {
      double apart = PlaneCodec.storedBits(bits(0)) + PlaneCodec.storedBits(bits(1));
      double pair = pairBits() + PAIR_OVERHEAD_BITS;
      if (pair < apart - 8.0 / (1 << PlaneCodec.MIN_SAVING_SHIFT)) {
        bits += pair - apart;
      }
    }
    return (long) Math.ceil(numValues * bits / 8) + 64L * width() + 600;
  }

  /**
   * The order-0 lower bound in bytes: every plane at exactly its entropy, the first two as a
   * pair where that is lower.
   */
  public double bound(long numValues) {
    double bits = 0;
    for (int p = 0; p < width(); p++) {
      bits += bits(p);
    }
    if (width() >= 2) {
      bits -= Math.max(0, bits(0) + bits(1) - pairBits());
    }
    return numValues * bits / 8;
  }

  /** The order-0 lower bound in bytes with every plane coded apart. */
  public double planesBound(long numValues) {
    double bytes = 0;
    for (int p = 0; p < width(); p++) {
      bytes += numValues * bits(p) / 8;
    }
    return bytes;
  }
}
