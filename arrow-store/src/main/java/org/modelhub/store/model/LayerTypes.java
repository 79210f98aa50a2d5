package org.modelhub.store.model;

import java.util.List;
import java.util.Locale;

/**
 * The layer-type vocabulary shared by every format (DESIGN.md). Importers map their own
 * operators onto these names; an operator with no equivalent keeps its own name in upper case.
 */
public final class LayerTypes {
  public static final String INPUT = "INPUT";
  public static final String CONV = "CONV";
  public static final String DECONV = "DECONV";
  public static final String POOL = "POOL";
  public static final String FC = "FC";
  public static final String RELU = "RELU";
  public static final String PRELU = "PRELU";
  public static final String SIGMOID = "SIGMOID";
  public static final String TANH = "TANH";
  public static final String LRN = "LRN";
  public static final String DROPOUT = "DROPOUT";
  public static final String BATCHNORM = "BATCHNORM";
  public static final String SCALE = "SCALE";
  public static final String SOFTMAX = "SOFTMAX";
  public static final String CONCAT = "CONCAT";
  public static final String ELTWISE = "ELTWISE";
  public static final String FLATTEN = "FLATTEN";
  public static final String RESHAPE = "RESHAPE";
  public static final String OUTPUT = "OUTPUT";
  public static final String LOSS = "LOSS";
  public static final String ACTIVATION = "ACTIVATION";
  public static final String EMBEDDING = "EMBEDDING";
  public static final String UPSAMPLE = "UPSAMPLE";
  public static final String CONSTANT = "CONSTANT";

  /** The types DESIGN.md names; DQL's {@code has TYPE(...)} templates exist for each. */
  public static final List<String> CORE = List.of(INPUT, CONV, POOL, FC, RELU, SIGMOID, TANH,
      LRN, DROPOUT, BATCHNORM, SOFTMAX, CONCAT, ELTWISE, FLATTEN, OUTPUT, LOSS);

  /** Pooling methods as attribute {@code method} spells them. */
  public static final String MAX = "MAX";
  public static final String AVG = "AVG";

  private LayerTypes() {
  }

  /** Normalises a type name: upper case, so matching is case-insensitive. */
  public static String normalize(String type) {
    return type.trim().toUpperCase(Locale.ROOT);
  }
}
