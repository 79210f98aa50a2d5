package org.modelhub.store;

import java.nio.FloatBuffer;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/**
 * Summary statistics of one tensor's values: what SQL's {@code WEIGHT_STATS(version)} returns
 * per tensor. NaN values are skipped by min, max, mean and std; the population standard
 * deviation is computed with Welford's method so it stays accurate on large tensors.
 */
public record WeightStats(long count, double min, double max, double mean, double std,
    double zeroFraction, double l2Norm) {

  public static WeightStats of(Tensor t) {
    long n = t.numValues();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double mean = 0;
    double m2 = 0;
    double sumSq = 0;
    long zeros = 0;
    long k = 0;
    FloatBuffer fb = t.dtype() == DType.FLOAT32 ? t.data().asFloatBuffer() : null;
    for (long i = 0; i < n; i++) {
      double x = fb != null ? fb.get((int) i) : t.valueAt(i);
      if (x == 0) {
        zeros++;
      }
      if (Double.isNaN(x)) {
        continue;
      }
      k++;
      min = Math.min(min, x);
      max = Math.max(max, x);
      double d = x - mean;
      mean += d / k;
      m2 += d * (x - mean);
      sumSq += x * x;
    }
    if (k == 0) {
      return new WeightStats(n, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
          n == 0 ? 0 : zeros / (double) n, 0);
    }
    return new WeightStats(n, min, max, mean, Math.sqrt(m2 / k), zeros / (double) n,
        Math.sqrt(sumSq));
  }
}
