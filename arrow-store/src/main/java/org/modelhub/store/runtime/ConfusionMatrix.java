package org.modelhub.store.runtime;

import java.util.List;

/** Counts of (actual class, predicted class) pairs of a test, with the class names. */
public final class ConfusionMatrix {
  private final List<String> classes;
  private final long[][] counts;

  public ConfusionMatrix(List<String> classes, long[][] counts) {
    this.classes = List.copyOf(classes);
    this.counts = new long[classes.size()][];
    if (counts.length != classes.size()) {
      throw new IllegalArgumentException(counts.length + " rows for " + classes.size()
          + " classes");
    }
    for (int i = 0; i < counts.length; i++) {
      if (counts[i].length != classes.size()) {
        throw new IllegalArgumentException("row " + i + " has " + counts[i].length
            + " columns for " + classes.size() + " classes");
      }
      this.counts[i] = counts[i].clone();
    }
  }

  public List<String> classes() {
    return classes;
  }

  public int size() {
    return classes.size();
  }

  /** Examples of class {@code actual} predicted as {@code predicted}. */
  public long count(int actual, int predicted) {
    return counts[actual][predicted];
  }

  /** Examples of class {@code actual}. */
  public long actualTotal(int actual) {
    long n = 0;
    for (long c : counts[actual]) {
      n += c;
    }
    return n;
  }

  public long total() {
    long n = 0;
    for (int i = 0; i < counts.length; i++) {
      n += actualTotal(i);
    }
    return n;
  }

  /** Correct predictions over all examples (NaN with none). */
  public double accuracy() {
    long right = 0;
    for (int i = 0; i < counts.length; i++) {
      right += counts[i][i];
    }
    long n = total();
    return n == 0 ? Double.NaN : right / (double) n;
  }
}
