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

  /**
   * The normaliser as text, which {@link #parse} reads back: {@code none},
   * {@code scale 0.003921569}, or {@code standardize} / {@code minmax} with
   * {@code shift=a,b,... scale=c,d,...}. A trained version records it (hyperparameter
   * {@code normalization}) so that a later test scales its data the same way.
   */
  String spec() {
    if (scale == null) {
      return "none";
    }
    if (scale.length == 1 && shift[0] == 0f && description.startsWith("x/")) {
      return "scale " + scale[0];
    }
    return description + " shift=" + join(shift) + " scale=" + join(scale);
  }

  private static String join(float[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(v[i]);
    }
    return sb.toString();
  }

  /**
   * Reads {@link #spec()}'s text.
   *
   * @throws IllegalArgumentException when the text is not a normaliser
   */
  static Normalizer parse(String spec) {
    String s = spec.trim();
    if (s.equals("none")) {
      return none();
    }
    if (s.startsWith("scale ")) {
      float k = Float.parseFloat(s.substring(6).trim());
      return new Normalizer(new float[] {0f}, new float[] {k}, "x/" + (1 / k));
    }
    String[] parts = s.split(" ");
    if (parts.length != 3 || !parts[1].startsWith("shift=") || !parts[2].startsWith("scale=")) {
      throw new IllegalArgumentException("not a normalization: '" + spec + "'");
    }
    return new Normalizer(floats(parts[1].substring(6)), floats(parts[2].substring(6)),
        parts[0]);
  }

  private static float[] floats(String csv) {
    String[] p = csv.split(",");
    float[] out = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = Float.parseFloat(p[i]);
    }
    return out;
  }

  /** Whether it can scale examples of {@code features} values. */
  boolean fits(int features) {
    return scale == null || scale.length == 1 || scale.length == features;
  }

  @Override public String toString() {
    return description;
  }
}
