package org.modelhub.dl4j.data;

import java.util.Locale;

/**
 * Scales feature values, fitted on the training examples only (so test examples never leak
 * into the statistics): per-feature standardisation, per-feature min-max to [0, 1], a fixed
 * scale (image pixels by 1/255), or none.
 */
final class Normalizer {
  private final float[] shift;
  private final float[] scale;
  private final String description;

  private Normalizer(float[] shift, float[] scale, String description) {
    this.shift = shift;
    this.scale = scale;
    this.description = description;
  }

  static Normalizer none() {
    return new Normalizer(null, null, "none");
  }

  /** {@code x / divisor} for every feature (pixels: 255). */
  static Normalizer scale(float divisor) {
    return new Normalizer(new float[] {0f}, new float[] {1f / divisor},
        String.format(Locale.ROOT, "x/%s", divisor));
  }

  /** Per feature {@code (x - mean) / std} over the examples (std 0 keeps the feature's scale). */
  static Normalizer standardize(LabeledData train) {
    int w = train.featureCount();
    double[] sum = new double[w];
    double[] sq = new double[w];
    for (int i = 0; i < train.size(); i++) {
      float[] r = train.row(i);
      for (int j = 0; j < w; j++) {
        sum[j] += r[j];
        sq[j] += (double) r[j] * r[j];
      }
    }
    float[] shift = new float[w];
    float[] scale = new float[w];
    int n = Math.max(1, train.size());
    for (int j = 0; j < w; j++) {
      double mean = sum[j] / n;
      double var = Math.max(0, sq[j] / n - mean * mean);
      double std = Math.sqrt(var);
      shift[j] = (float) mean;
      scale[j] = std > 1e-12 ? (float) (1 / std) : 1f;
    }
    return new Normalizer(shift, scale, "standardize");
  }

  /** Per feature {@code (x - min) / (max - min)} over the examples. */
  static Normalizer minMax(LabeledData train) {
    int w = train.featureCount();
    float[] min = new float[w];
    float[] max = new float[w];
    java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
    java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < train.size(); i++) {
      float[] r = train.row(i);
      for (int j = 0; j < w; j++) {
        min[j] = Math.min(min[j], r[j]);
        max[j] = Math.max(max[j], r[j]);
      }
    }
    float[] scale = new float[w];
    for (int j = 0; j < w; j++) {
      float range = max[j] - min[j];
      scale[j] = range > 0 ? 1f / range : 1f;
      if (train.size() == 0) {
        min[j] = 0f;
      }
    }
    return new Normalizer(min, scale, "minmax");
  }

  float[] apply(float[] row) {
    if (scale == null) {
      return row;
    }
    float[] out = new float[row.length];
    boolean global = scale.length == 1;
    for (int j = 0; j < row.length; j++) {
      int k = global ? 0 : j;
      out[j] = (row[j] - shift[k]) * scale[k];
    }
    return out;
  }

  @Override public String toString() {
    return description;
  }
}
