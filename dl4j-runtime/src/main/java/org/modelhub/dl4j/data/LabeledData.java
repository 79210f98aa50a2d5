package org.modelhub.dl4j.data;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.modelhub.store.model.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Examples in memory: one row of float features per example (an image's pixels in row-major
 * order, a CSV row's feature columns), the shape of one example, and a class label each.
 */
public final class LabeledData {
  private final String source;
  private final String sha256;
  private final float[][] features;
  private final long[] exampleShape;
  private final int[] labels;
  private final List<String> classes;

  LabeledData(String source, String sha256, float[][] features, long[] exampleShape,
      int[] labels, List<String> classes) {
    this.source = requireNonNull(source, "source");
    this.sha256 = sha256;
    this.features = requireNonNull(features, "features");
    this.exampleShape = exampleShape.clone();
    this.labels = requireNonNull(labels, "labels");
    this.classes = List.copyOf(classes);
    if (features.length != labels.length) {
      throw new IllegalArgumentException(features.length + " examples but " + labels.length
          + " labels");
    }
  }

  /** What the examples were read from (a path), for messages and records. */
  public String source() {
    return source;
  }

  /** sha256 over the bytes of the files read, or null. */
  public String sha256() {
    return sha256;
  }

  public int size() {
    return labels.length;
  }

  /** Shape of one example: {@code [1,28,28]} for a grey image, {@code [4]} for a CSV row. */
  public long[] exampleShape() {
    return exampleShape.clone();
  }

  public int featureCount() {
    return Math.toIntExact(Tensor.numValues(exampleShape));
  }

  public List<String> classes() {
    return classes;
  }

  public int label(int example) {
    return labels[example];
  }

  /** Feature row of an example (not copied: callers must not change it). */
  float[] row(int example) {
    return features[example];
  }

  /** The examples at {@code indices}, in that order, sharing the feature rows. */
  public LabeledData subset(int[] indices) {
    float[][] f = new float[indices.length][];
    int[] l = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      f[i] = features[indices[i]];
      l[i] = labels[indices[i]];
    }
    return new LabeledData(source, sha256, f, exampleShape, l, classes);
  }

  /** The same examples with every feature row mapped by {@code n} (new rows). */
  LabeledData normalized(Normalizer n) {
    float[][] f = new float[features.length][];
    for (int i = 0; i < f.length; i++) {
      f[i] = n.apply(features[i]);
    }
    return new LabeledData(source, sha256, f, exampleShape, labels, classes);
  }

  /**
   * A minibatch of the examples at {@code indices}: features shaped {@code [n, inputShape...]}
   * (float32, C order) and one-hot labels {@code [n, classes]}.
   */
  public DataSet batch(int[] indices, long[] inputShape) {
    int width = featureCount();
    float[] flat = new float[indices.length * width];
    float[] onehot = new float[indices.length * classes.size()];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(features[indices[i]], 0, flat, i * width, width);
      onehot[i * classes.size() + labels[indices[i]]] = 1f;
    }
    long[] shape = new long[inputShape.length + 1];
    shape[0] = indices.length;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    INDArray x = Nd4j.create(flat, shape, 'c');
    INDArray y = Nd4j.create(onehot, new long[] {indices.length, classes.size()}, 'c');
    return new DataSet(x.castTo(DataType.FLOAT), y);
  }

  /** The examples {@code from} (inclusive) to {@code to} (exclusive) as a batch. */
  public DataSet batch(int from, int to, long[] inputShape) {
    int[] idx = new int[to - from];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = from + i;
    }
    return batch(idx, inputShape);
  }
}
