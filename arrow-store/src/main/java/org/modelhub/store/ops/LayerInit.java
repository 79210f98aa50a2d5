package org.modelhub.store.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Weights for a layer that DQL construct inserts. Layers without parameters get none. FC
 * and CONV get Xavier (Glorot) uniform weights, in the layout Caffe and ONNX use
 * ({@code W} of shape [out, in] or [out, in, kh, kw]) with zero biases {@code b}; BATCHNORM
 * gets {@code mean} 0 and {@code variance} 1. The input size comes from the layer before
 * ({@code units} or {@code filters}); the generator is seeded by the version and layer name,
 * so the same statement makes the same weights.
 */
public final class LayerInit {
  private LayerInit() {
  }

  /** The new layer's tensors, or an error naming the layer when its input size is unknown. */
  public static List<Tensor> weights(Network n, String after, Layer layer, String seed) {
    switch (layer.type()) {
      case LayerTypes.FC:
      case LayerTypes.CONV:
      case LayerTypes.BATCHNORM:
        break;
      default:
        return List.of();
    }
    Layer prev = n.layer(after);
    long in = size(prev);
    if (in <= 0) {
      throw new ModelHubException("cannot initialise inserted " + layer.type() + " layer '"
          + layer.name() + "': the size of its input (layer '" + after + "', "
          + prev.type() + ") is unknown; insert it after a layer with units or filters");
    }
    SplittableRandom r = new SplittableRandom((seed + "/" + layer.name()).hashCode());
    List<Tensor> out = new ArrayList<>();
    if (layer.type().equals(LayerTypes.BATCHNORM)) {
      out.add(fill(layer.name() + "/mean", new long[] {in}, 0f));
      out.add(fill(layer.name() + "/variance", new long[] {in}, 1f));
      return out;
    }
    long units = number(layer, layer.type().equals(LayerTypes.FC) ? "units" : "filters");
    long[] shape;
    long fanIn;
    long fanOut;
    if (layer.type().equals(LayerTypes.FC)) {
      shape = new long[] {units, in};
      fanIn = in;
      fanOut = units;
    } else {
      long[] k = kernel(layer);
      shape = new long[] {units, in, k[0], k[1]};
      fanIn = in * k[0] * k[1];
      fanOut = units * k[0] * k[1];
    }
    double limit = Math.sqrt(6.0 / (fanIn + fanOut));
    float[] w = new float[Math.toIntExact(Tensor.numValues(shape))];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((r.nextDouble() * 2 - 1) * limit);
    }
    out.add(Tensor.ofFloats(layer.name() + "/W", shape, w));
    out.add(fill(layer.name() + "/b", new long[] {units}, 0f));
    return out;
  }

  private static long size(Layer l) {
    for (String key : List.of("units", "filters")) {
      Object v = l.attr(key);
      if (v instanceof Number num) {
        return num.longValue();
      }
    }
    return -1;
  }

  private static long number(Layer l, String key) {
    Object v = l.attr(key);
    if (!(v instanceof Number)) {
      throw new ModelHubException("inserted " + l.type() + " layer '" + l.name() + "' needs "
          + key + ", e.g. " + l.type() + "(\"" + l.name() + "\", " + key + "=64)");
    }
    return ((Number) v).longValue();
  }

  private static long[] kernel(Layer l) {
    Object v = l.attr("kernel");
    if (v instanceof Number num) {
      return new long[] {num.longValue(), num.longValue()};
    }
    if (v instanceof List<?> list && list.size() == 2) {
      return new long[] {((Number) list.get(0)).longValue(), ((Number) list.get(1)).longValue()};
    }
    throw new ModelHubException("inserted CONV layer '" + l.name() + "' needs a kernel, e.g."
        + " CONV(\"" + l.name() + "\", 64, 3)");
  }

  private static Tensor fill(String name, long[] shape, float value) {
    float[] v = new float[Math.toIntExact(Tensor.numValues(shape))];
    java.util.Arrays.fill(v, value);
    return Tensor.ofFloats(name, shape, v);
  }

}
