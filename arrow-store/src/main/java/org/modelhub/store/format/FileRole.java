package org.modelhub.store.format;

/** What a staged file contributes to a version. */
public enum FileRole {
  /** A network definition only (prototxt, neutral JSON, DL4J configuration JSON). */
  NETWORK,
  /** Weights only (caffemodel, safetensors, Nd4j parameter vector). */
  WEIGHTS,
  /** Both in one file or bundle (ONNX, DL4J zip, TF.js model.json with its shards). */
  MODEL,
  /** A training log: metrics per step and hyperparameters (CSV or JSON). */
  LOG,
  /** Any other associated file, stored as a blob. */
  FILE
}
