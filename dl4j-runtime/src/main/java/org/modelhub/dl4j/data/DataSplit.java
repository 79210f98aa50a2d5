package org.modelhub.dl4j.data;

import static java.util.Objects.requireNonNull;

/**
 * Training and test examples of one config, normalised alike ({@code normalization} says how,
 * as text a test can read back).
 */
public record DataSplit(LabeledData train, LabeledData test, String normalization) {
  public DataSplit {
    requireNonNull(train, "train");
    requireNonNull(test, "test");
  }
}
