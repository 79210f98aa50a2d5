package org.modelhub.dl4j.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.modelhub.store.TestModels;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Small networks of each format's conventions, with seeded weights, for the bridge tests. */
final class TestNets {
  private TestNets() {
  }

  private static Layer layer(String format, String name, String type, List<String> inputs,
      Object... kv) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      attrs.put((String) kv[i], kv[i + 1]);
    }
    if (format != null) {
      attrs.put(format, Map.of());
    }
    return new Layer(name, type, attrs, inputs);
  }

  /**
   * A Caffe-style DAG using most of the vocabulary: CONV, BATCHNORM + SCALE, RELU, POOL (MAX
   * and AVG), LRN, SIGMOID, TANH, ELTWISE, CONCAT, DROPOUT, FLATTEN, FC, SOFTMAX.
   */
  static ModelContent caffeVocabulary(long seed) {
    String f = "caffe";
    List<Layer> l = new ArrayList<>();
    l.add(layer(f, "data", LayerTypes.INPUT, List.of(), "shape", List.of(1, 2, 8, 8)));
    l.add(layer(f, "conv1", LayerTypes.CONV, List.of("data"), "filters", 4, "kernel",
        List.of(3, 3), "stride", List.of(1, 1), "pad", List.of(1, 1), "bias", true));
    l.add(layer(f, "bn1", LayerTypes.BATCHNORM, List.of("conv1"), "eps", 1e-5,
        "momentum", 0.999));
    l.add(layer(f, "sc1", LayerTypes.SCALE, List.of("bn1"), "bias", true));
    l.add(layer(f, "relu1", LayerTypes.RELU, List.of("sc1")));
    l.add(layer(f, "pool1", LayerTypes.POOL, List.of("relu1"), "method", "MAX", "kernel",
        List.of(2, 2), "stride", List.of(2, 2), "pad", List.of(0, 0), "global", false));
    l.add(layer(f, "lrn1", LayerTypes.LRN, List.of("pool1"), "size", 3, "alpha", 0.01,
        "beta", 0.75, "k", 1, "region", "ACROSS_CHANNELS"));
    l.add(layer(f, "conv2a", LayerTypes.CONV, List.of("lrn1"), "filters", 3, "kernel",
        List.of(1, 1), "stride", List.of(1, 1), "pad", List.of(0, 0), "bias", true));
    l.add(layer(f, "sig", LayerTypes.SIGMOID, List.of("conv2a")));
    l.add(layer(f, "conv2b", LayerTypes.CONV, List.of("lrn1"), "filters", 3, "kernel",
        List.of(3, 3), "stride", List.of(1, 1), "pad", List.of(1, 1), "bias", true));
    l.add(layer(f, "tanh", LayerTypes.TANH, List.of("conv2b")));
    l.add(layer(f, "sum", LayerTypes.ELTWISE, List.of("sig", "tanh"), "op", "SUM"));
    l.add(layer(f, "cat", LayerTypes.CONCAT, List.of("sum", "lrn1"), "axis", 1));
    l.add(layer(f, "pool2", LayerTypes.POOL, List.of("cat"), "method", "AVG", "kernel",
        List.of(2, 2), "stride", List.of(2, 2), "pad", List.of(0, 0), "global", false));
    l.add(layer(f, "drop", LayerTypes.DROPOUT, List.of("pool2"), "ratio", 0.5));
    l.add(layer(f, "flat", LayerTypes.FLATTEN, List.of("drop"), "axis", 1));
    l.add(layer(f, "fc1", LayerTypes.FC, List.of("flat"), "units", 5, "bias", true));
    l.add(layer(f, "prob", LayerTypes.SOFTMAX, List.of("fc1"), "axis", 1));
    Random r = new Random(seed);
    List<Tensor> t = new ArrayList<>();
    t.add(TestModels.random("conv1/W", new long[] {4, 2, 3, 3}, r));
    t.add(TestModels.random("conv1/b", new long[] {4}, r));
    t.add(TestModels.random("bn1/mean", new long[] {4}, r));
    t.add(Tensor.ofFloats("bn1/variance", new long[] {4}, new float[] {1.2f, 0.8f, 2f, 0.5f}));
    t.add(Tensor.ofFloats("bn1/scale_factor", new long[] {1}, new float[] {2f}));
    t.add(Tensor.ofFloats("sc1/gamma", new long[] {4}, new float[] {1.5f, 0.5f, 1f, 2f}));
    t.add(TestModels.random("sc1/beta", new long[] {4}, r));
    t.add(TestModels.random("conv2a/W", new long[] {3, 4, 1, 1}, r));
    t.add(TestModels.random("conv2a/b", new long[] {3}, r));
    t.add(TestModels.random("conv2b/W", new long[] {3, 4, 3, 3}, r));
    t.add(TestModels.random("conv2b/b", new long[] {3}, r));
    t.add(TestModels.random("fc1/W", new long[] {5, 28}, r));
    t.add(TestModels.random("fc1/b", new long[] {5}, r));
    scaleUp(t, 10);
    return new ModelContent(new Network("vocabulary", l, Map.of("caffe", Map.of())), t);
  }

  /** Larger weights than TestModels gives, so that activations are not all near zero. */
  private static void scaleUp(List<Tensor> t, float factor) {
    for (int i = 0; i < t.size(); i++) {
      Tensor x = t.get(i);
      if (x.name().endsWith("/W")) {
        float[] v = x.toFloats();
        for (int j = 0; j < v.length; j++) {
          v[j] *= factor;
        }
        t.set(i, Tensor.ofFloats(x.name(), x.shape(), v));
      }
    }
  }

  /**
   * A Keras network as TF.js stores it: images channels last, a {@code [h,w,in,out]}
   * kernel, a Flatten of channels-last images, an {@code [in,out]} dense kernel.
   */
  static ModelContent keras(long seed) {
    String f = "keras";
    List<Layer> l = new ArrayList<>();
    l.add(layer(f, "in", LayerTypes.INPUT, List.of(), "shape", List.of(-1, 6, 6, 2)));
    l.add(layer(f, "c1", LayerTypes.CONV, List.of("in"), "filters", 4, "kernel", List.of(3, 3),
        "stride", List.of(1, 1), "pad", "valid", "bias", true, "activation", "RELU"));
    l.add(layer(f, "flat", LayerTypes.FLATTEN, List.of("c1")));
    l.add(layer(f, "d", LayerTypes.FC, List.of("flat"), "units", 3, "bias", true,
        "activation", "SOFTMAX"));
    Random r = new Random(seed);
    List<Tensor> t = new ArrayList<>();
    t.add(TestModels.random("c1/kernel", new long[] {3, 3, 2, 4}, r));
    t.add(TestModels.random("c1/bias", new long[] {4}, r));
    t.add(TestModels.random("d/kernel", new long[] {64, 3}, r));
    t.add(TestModels.random("d/bias", new long[] {3}, r));
    return new ModelContent(new Network("keras", l, Map.of("tfjs", Map.of())), t);
  }

  /** The Keras network's forward pass, written channels last as Keras computes it. */
  static float[] kerasReference(ModelContent c, float[] nhwc) {
    Map<String, Tensor> t = c.tensorMap();
    float[] k = t.get("c1/kernel").toFloats();
    float[] kb = t.get("c1/bias").toFloats();
    float[] conv = new float[4 * 4 * 4];
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        for (int o = 0; o < 4; o++) {
          double s = kb[o];
          for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
              for (int ch = 0; ch < 2; ch++) {
                s += k[((i * 3 + j) * 2 + ch) * 4 + o] * nhwc[((y + i) * 6 + x + j) * 2 + ch];
              }
            }
          }
          conv[(y * 4 + x) * 4 + o] = (float) Math.max(0, s);
        }
      }
    }
    float[] d = t.get("d/kernel").toFloats();
    float[] db = t.get("d/bias").toFloats();
    float[] z = new float[3];
    for (int o = 0; o < 3; o++) {
      double s = db[o];
      for (int i = 0; i < 64; i++) {
        s += conv[i] * d[i * 3 + o];
      }
      z[o] = (float) s;
    }
    return ReferenceForward.softmax(z);
  }

  /** An MLP with no weights at all (so DL4J initialises them), of no format. */
  static Network weightlessMlp(int inputs, int hidden, int classes) {
    List<Layer> l = new ArrayList<>();
    l.add(layer(null, "x", LayerTypes.INPUT, List.of(), "shape", List.of(-1, inputs)));
    l.add(layer(null, "fc1", LayerTypes.FC, List.of("x"), "units", hidden));
    l.add(layer(null, "relu1", LayerTypes.RELU, List.of("fc1")));
    l.add(layer(null, "fc2", LayerTypes.FC, List.of("relu1"), "units", classes));
    l.add(layer(null, "prob", LayerTypes.SOFTMAX, List.of("fc2")));
    return new Network("mlp", l, Map.of());
  }
}
