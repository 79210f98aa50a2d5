package org.modelhub.dl4j.data;

import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Training minibatches, endlessly: each epoch visits every example once in a fresh seeded
 * order; the last batch of an epoch may be smaller. Two cursors with the same seed give the
 * same batches, so candidates and benchmarks see the same data.
 */
public final class Batches {
  private final LabeledData data;
  private final int batchSize;
  private final long[] inputShape;
  private final long seed;
  private int[] order;
  private int position;
  private int epoch;

  public Batches(LabeledData data, int batchSize, long[] inputShape, long seed) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("no examples to train on");
    }
    this.data = data;
    this.batchSize = batchSize;
    this.inputShape = inputShape.clone();
    this.seed = seed;
    this.order = DataSources.shuffled(data.size(), new Random(seed));
  }

  /** The next minibatch. */
  public DataSet next() {
    if (position >= order.length) {
      epoch++;
      order = DataSources.shuffled(data.size(), new Random(seed + epoch));
      position = 0;
    }
    int n = Math.min(batchSize, order.length - position);
    int[] idx = new int[n];
    System.arraycopy(order, position, idx, 0, n);
    position += n;
    return data.batch(idx, inputShape);
  }

  /** Completed passes over the data. */
  public int epoch() {
    return epoch;
  }
}
