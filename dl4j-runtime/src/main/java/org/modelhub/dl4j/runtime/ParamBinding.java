package org.modelhub.dl4j.runtime;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.modelhub.store.model.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Ties a stored tensor ({@code conv1/W} in its format's layout) to a DL4J parameter (key
 * {@code W} of vertex {@code conv1}), with the reordering between the two. A parameter that
 * training left unchanged is written back as the very tensor it was loaded from, bit for bit
 * (so a frozen layer is stored once).
 */
final class ParamBinding {
  /** Converts values between the stored layout and DL4J's (C order of the DL4J shape). */
  interface Transform {
    float[] toDl4j(float[] stored);

    float[] fromDl4j(float[] dl4j);
  }

  static final Transform SAME = new Transform() {
    @Override public float[] toDl4j(float[] stored) {
      return stored;
    }

    @Override public float[] fromDl4j(float[] dl4j) {
      return dl4j;
    }
  };

  /** Axis permutation: axis {@code i} of DL4J's layout is axis {@code perm[i]} of the stored. */
  static Transform permute(long[] storedShape, int[] perm) {
    long[] dl4jShape = Layouts.permuted(storedShape, perm);
    int[] back = Layouts.inverse(perm);
    return new Transform() {
      @Override public float[] toDl4j(float[] stored) {
        return Layouts.permute(stored, storedShape, perm);
      }

      @Override public float[] fromDl4j(float[] dl4j) {
        return Layouts.permute(dl4j, dl4jShape, back);
      }
    };
  }

  /** Stored values are DL4J's times {@code factor} (Caffe's batch-norm scale factor). */
  static Transform scaled(float factor) {
    float f = factor == 0 ? 0 : 1 / factor;
    return new Transform() {
      @Override public float[] toDl4j(float[] stored) {
        float[] out = new float[stored.length];
        for (int i = 0; i < out.length; i++) {
          out[i] = stored[i] * f;
        }
        return out;
      }

      @Override public float[] fromDl4j(float[] dl4j) {
        float[] out = new float[dl4j.length];
        for (int i = 0; i < out.length; i++) {
          out[i] = dl4j[i] * factor;
        }
        return out;
      }
    };
  }

  /** Stored {@code log10(std)} (DL4J's own batch norm) against DL4J's variance here. */
  static final Transform LOG10_STD = new Transform() {
    @Override public float[] toDl4j(float[] stored) {
      float[] out = new float[stored.length];
      for (int i = 0; i < out.length; i++) {
        double std = Math.pow(10, stored[i]);
        out[i] = (float) (std * std);
      }
      return out;
    }

    @Override public float[] fromDl4j(float[] dl4j) {
      float[] out = new float[dl4j.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) Math.log10(Math.sqrt(dl4j[i]));
      }
      return out;
    }
  };

  /** Composes two transforms: {@code first} nearer the stored side. */
  static Transform then(Transform first, Transform second) {
    return new Transform() {
      @Override public float[] toDl4j(float[] stored) {
        return second.toDl4j(first.toDl4j(stored));
      }

      @Override public float[] fromDl4j(float[] dl4j) {
        return first.fromDl4j(second.fromDl4j(dl4j));
      }
    };
  }

  private final String tensorName;
  private final String vertex;
  private final String key;
  private final Tensor original;
  private final long[] storedShape;
  private final Transform transform;
  private float[] loaded;

  /**
   * @param original the stored tensor, or null for a parameter DL4J initialises (a layer
   *     without weights), written back as {@code tensorName} of shape {@code storedShape}
   */
  ParamBinding(String tensorName, String vertex, String key, Tensor original,
      long[] storedShape, Transform transform) {
    this.tensorName = requireNonNull(tensorName, "tensorName");
    this.vertex = requireNonNull(vertex, "vertex");
    this.key = requireNonNull(key, "key");
    this.original = original;
    this.storedShape = storedShape.clone();
    this.transform = requireNonNull(transform, "transform");
  }

  String tensorName() {
    return tensorName;
  }

  String vertex() {
    return vertex;
  }

  String key() {
    return key;
  }

  /** The stored tensor, or null when DL4J initialised the parameter. */
  Tensor original() {
    return original;
  }

  /** Sets the DL4J parameter from the stored tensor; or notes DL4J's initial values. */
  void load(INDArray param) {
    if (original == null) {
      loaded = values(param);
      return;
    }
    float[] v = transform.toDl4j(original.toFloats());
    if (v.length != param.length()) {
      throw new IllegalStateException(tensorName + ": " + v.length + " values for a DL4J"
          + " parameter of " + param.length());
    }
    param.assign(Nd4j.create(v, param.shape(), 'c').castTo(param.dataType()));
    loaded = v;
  }

  /** The parameter as a tensor in the stored layout; the original one when unchanged. */
  Tensor store(INDArray param) {
    float[] v = values(param);
    if (original != null && Arrays.equals(v, loaded)) {
      return original;
    }
    return Tensor.ofFloats(tensorName, storedShape, transform.fromDl4j(v));
  }

  private static float[] values(INDArray param) {
    // a fresh C-order copy: its buffer holds exactly the parameter's values
    return param.castTo(DataType.FLOAT).dup('c').data().asFloat();
  }
}
