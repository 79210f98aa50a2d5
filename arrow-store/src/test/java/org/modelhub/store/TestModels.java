package org.modelhub.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Generated networks and weights for tests. */
public final class TestModels {
  private TestModels() {
  }

  /** A LeNet-shaped network: conv, pool, conv, pool, fc, relu, fc, softmax. */
  public static Network lenet() {
    List<Layer> l = new ArrayList<>();
    l.add(new Layer("data", LayerTypes.INPUT, Map.of("shape", List.of(64, 1, 28, 28)),
        List.of()));
    l.add(new Layer("conv1", LayerTypes.CONV, Map.of("filters", 20, "kernel", List.of(5, 5)),
        List.of("data")));
    l.add(new Layer("pool1", LayerTypes.POOL, Map.of("method", "MAX"), List.of("conv1")));
    l.add(new Layer("conv2", LayerTypes.CONV, Map.of("filters", 50, "kernel", List.of(5, 5)),
        List.of("pool1")));
    l.add(new Layer("pool2", LayerTypes.POOL, Map.of("method", "MAX"), List.of("conv2")));
    l.add(new Layer("ip1", LayerTypes.FC, Map.of("units", 500), List.of("pool2")));
    l.add(new Layer("relu1", LayerTypes.RELU, Map.of(), List.of("ip1")));
    l.add(new Layer("ip2", LayerTypes.FC, Map.of("units", 10), List.of("relu1")));
    l.add(new Layer("prob", LayerTypes.SOFTMAX, Map.of(), List.of("ip2")));
    return new Network("LeNet", l, Map.of());
  }

  /** LeNet's weights drawn from a seeded generator. */
  public static ModelContent lenetContent(long seed) {
    Random r = new Random(seed);
    List<Tensor> t = new ArrayList<>();
    t.add(random("conv1/W", new long[] {20, 1, 5, 5}, r));
    t.add(random("conv1/b", new long[] {20}, r));
    t.add(random("conv2/W", new long[] {50, 20, 5, 5}, r));
    t.add(random("conv2/b", new long[] {50}, r));
    t.add(random("ip1/W", new long[] {500, 800}, r));
    t.add(random("ip1/b", new long[] {500}, r));
    t.add(random("ip2/W", new long[] {10, 500}, r));
    t.add(random("ip2/b", new long[] {10}, r));
    return new ModelContent(lenet(), t, Map.of("base_lr", "0.01"), List.of());
  }

  public static Tensor random(String name, long[] shape, Random r) {
    float[] v = new float[Math.toIntExact(Tensor.numValues(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * 0.05);
    }
    return Tensor.ofFloats(name, shape, v);
  }

  /** The same content with one tensor's values replaced. */
  public static ModelContent replace(ModelContent c, String name, long seed) {
    List<Tensor> t = new ArrayList<>();
    for (Tensor x : c.tensors()) {
      t.add(x.name().equals(name) ? random(name, x.shape(), new Random(seed)) : x);
    }
    return new ModelContent(c.network(), t, c.hyperparams(), c.metrics());
  }
}
