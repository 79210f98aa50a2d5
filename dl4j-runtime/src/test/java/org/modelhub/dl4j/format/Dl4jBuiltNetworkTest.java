package org.modelhub.dl4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.iter.NdIndexIterator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Small networks built and trained here with DL4J (conv, pool, dense...), saved with
 * ModelSerializer, then imported, compared with DL4J's own parameter tables and round-tripped.
 */
class Dl4jBuiltNetworkTest {
  /** Random 8x8 single-channel images with one-hot labels over three classes. */
  private static DataSet data(long seed) {
    Nd4j.getRandom().setSeed(seed);
    INDArray features = Nd4j.rand(6, 64);
    INDArray labels = Nd4j.zeros(6, 3);
    for (int i = 0; i < 6; i++) {
      labels.putScalar(i, i % 3, 1.0);
    }
    return new DataSet(features, labels);
  }

  private static MultiLayerNetwork trainedMultiLayer() {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(7)
        .updater(new Adam(0.01))
        .weightInit(WeightInit.XAVIER)
        .l2(1e-4)
        .list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
            .build())
        .layer(new LocalResponseNormalization.Builder().build())
        .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build())
        .layer(new DropoutLayer.Builder(0.8).build())
        .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
            .activation(Activation.SOFTMAX).updater(new Nesterovs(0.05, 0.9)).build())
        .setInputType(InputType.convolutionalFlat(8, 8, 1))
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    DataSet ds = data(1);
    net.fit(ds);
    net.fit(ds);
    return net;
  }

  private static ComputationGraph trainedGraph() {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(11)
        .updater(new Adam(0.01))
        .graphBuilder()
        .addInputs("img")
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4)
            .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "img")
        .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(2)
            .activation(Activation.IDENTITY).build(), "img")
        .addVertex("merge", new MergeVertex(), "conv", "conv2")
        .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2)
            .stride(2, 2).build(), "merge")
        .addLayer("fc", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(),
            "pool")
        .addLayer("fc2", new DenseLayer.Builder().nOut(8).activation(Activation.SIGMOID)
            .build(), "pool")
        .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "fc", "fc2")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
            .activation(Activation.SOFTMAX).build(), "sum")
        .setOutputs("out")
        .setInputTypes(InputType.convolutional(8, 8, 1))
        .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    DataSet ds = data(2);
    DataSet images = new DataSet(ds.getFeatures().reshape(6, 1, 8, 8), ds.getLabels());
    graph.fit(images);
    graph.fit(images);
    return graph;
  }

  /** Each tensor holds its DL4J parameter's values in C order, read here index by index. */
  private static void assertTensorsMatch(Map<String, INDArray> params, ModelContent c) {
    assertEquals(List.copyOf(params.keySet()), RoundTrip.names(c.tensors()));
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      INDArray view = e.getValue();
      Tensor t = c.tensorMap().get(e.getKey());
      assertArrayEquals(view.shape(), t.shape(), e.getKey());
      NdIndexIterator it = new NdIndexIterator('c', view.shape());
      for (long i = 0; it.hasNext(); i++) {
        long[] index = it.next();
        float expected = view.rank() == 0 ? view.getFloat(0) : view.getFloat(index);
        assertEquals(Float.floatToRawIntBits(expected),
            Float.floatToRawIntBits((float) t.valueAt(i)), e.getKey() + " at " + i);
      }
    }
  }

  /** The same network through the other door: configuration JSON plus flat vector. */
  private static ModelContent viaConfigAndVector(Model model, String json, Path dir)
      throws IOException {
    Path conf = dir.resolve("conf.json");
    Files.writeString(conf, json, StandardCharsets.UTF_8);
    Path bin = dir.resolve("params.bin");
    try (OutputStream out = Files.newOutputStream(bin);
         DataOutputStream data = new DataOutputStream(out)) {
      Nd4j.write(model.params(), data);
    }
    return new Dl4jImporter().read(
        new ImportInput(List.of(conf), List.of(bin), List.of(), Optional.empty()));
  }

  private static List<String> summary(Network n) {
    return n.layers().stream().map(Layer::toString).toList();
  }

  @Test void multiLayerNetwork(@TempDir Path tmp) throws IOException {
    MultiLayerNetwork net = trainedMultiLayer();
    Path zip = tmp.resolve("mln.zip");
    ModelSerializer.writeModel(net, zip.toFile(), true);
    ModelContent c = RoundTrip.importFile(zip);
    Network n = c.network();
    assertEquals(List.of("input:INPUT[]", "layer0:CONV[input]", "layer1:BATCHNORM[layer0]",
        "layer2:POOL[layer1]", "layer3:LRN[layer2]", "layer4:FC[layer3]",
        "layer5:DROPOUT[layer4]", "layer6:RELU[layer5]", "layer7:OUTPUT[layer6]"), summary(n));
    // convolutionalFlat: the network reads flat rows that a preprocessor reshapes
    assertEquals(List.of(-1, 64), n.layer("input").attr("shape"));
    Layer conv = n.layer("layer0");
    assertEquals(4, conv.attr("filters"));
    assertEquals(List.of(3, 3), conv.attr("kernel"));
    assertEquals(List.of(1, 1), conv.attr("stride"));
    assertEquals(List.of(0, 0), conv.attr("pad"));
    assertEquals(List.of(1, 1), conv.attr("dilation"));
    assertEquals(true, conv.attr("bias"));
    assertEquals("RELU", conv.attr("activation"));
    Map<?, ?> convDl4j = (Map<?, ?>) conv.attr("dl4j");
    assertEquals("ConvolutionLayer", convDl4j.get("class"));
    assertEquals(1, convDl4j.get("nIn"));
    assertEquals("Truncate", convDl4j.get("convolutionMode"));
    assertEquals("FeedForwardToCnnPreProcessor",
        ((String) ((Map<?, ?>) convDl4j.get("preProcessor")).get("@class"))
            .replaceAll(".*\\.", ""));
    Layer bn = n.layer("layer1");
    assertEquals(1e-5, bn.attr("eps"));
    assertEquals(0.9, bn.attr("momentum"));
    Layer pool = n.layer("layer2");
    assertEquals("MAX", pool.attr("method"));
    assertEquals(List.of(2, 2), pool.attr("kernel"));
    assertEquals(List.of(2, 2), pool.attr("stride"));
    assertEquals(false, pool.attr("global"));
    Layer lrn = n.layer("layer3");
    assertEquals(5, lrn.attr("size"));
    assertEquals(1e-4, lrn.attr("alpha"));
    assertEquals(0.75, lrn.attr("beta"));
    assertEquals(2, lrn.attr("k"));
    assertEquals(16, n.layer("layer4").attr("units"));
    assertEquals(36, ((Map<?, ?>) n.layer("layer4").attr("dl4j")).get("nIn"));
    assertEquals(0.2, n.layer("layer5").attr("ratio"));
    assertEquals("RELU", n.layer("layer6").attr("activation"));
    assertEquals("MCXENT", n.layer("layer7").attr("loss"));

    Map<String, INDArray> params = new LinkedHashMap<>();
    for (int i = 0; i < net.getnLayers(); i++) {
      for (Map.Entry<String, INDArray> e : net.getLayer(i).paramTable().entrySet()) {
        params.put("layer" + i + "/" + e.getKey(), e.getValue());
      }
    }
    // batch normalisation keeps log10 of the standard deviation (useLogStd), not var
    assertEquals(List.of("layer0/b", "layer0/W", "layer1/gamma", "layer1/beta", "layer1/mean",
        "layer1/log10stdev", "layer4/W", "layer4/b", "layer7/W", "layer7/b"),
        List.copyOf(params.keySet()));
    assertTensorsMatch(params, c);
    assertEquals(net.numParams(), c.numParams());

    // two updaters: the layers that differ are listed by name
    Map<String, String> hp = c.hyperparams();
    assertEquals("7", hp.get("seed"));
    assertEquals("1.0E-4", hp.get("l2"));
    assertEquals("2", hp.get("iteration_count"));
    assertEquals("ADAM", hp.get("layer0.updater"));
    assertEquals("0.01", hp.get("layer0.learning_rate"));
    assertEquals("NESTEROVS", hp.get("layer7.updater"));
    assertEquals("0.05", hp.get("layer7.learning_rate"));
    assertEquals("0.9", hp.get("layer7.momentum"));
    assertEquals(null, hp.get("updater"));

    Path other = Files.createDirectory(tmp.resolve("vector"));
    ModelContent fromVector = viaConfigAndVector(net,
        net.getLayerWiseConfigurations().toJson(), other);
    assertEquals(n.layers(), fromVector.network().layers());
    RoundTrip.assertSameTensors(c.tensors(), fromVector.tensors());

    Path out = Files.createDirectory(tmp.resolve("export"));
    RoundTrip.check(c, out);
    assertEquals(Nd4jArrays.toTensor("flat", net.params()).sha256(),
        RoundTrip.restoredParamsSha(out.resolve("model.zip")));
  }

  @Test void computationGraph(@TempDir Path tmp) throws IOException {
    ComputationGraph graph = trainedGraph();
    Path zip = tmp.resolve("graph.zip");
    ModelSerializer.writeModel(graph, zip.toFile(), true);
    ModelContent c = RoundTrip.importFile(zip);
    Network n = c.network();
    assertEquals("ComputationGraph", ((Map<?, ?>) n.attrs().get("dl4j")).get("kind"));
    assertEquals(List.of("img:INPUT[]", "conv:CONV[img]", "conv2:CONV[img]",
        "merge:CONCAT[conv, conv2]", "pool:POOL[merge]", "fc:FC[pool]", "fc2:FC[pool]",
        "sum:ELTWISE[fc, fc2]", "out:OUTPUT[sum]"), summary(n));
    assertEquals(List.of(-1, 1, -1, -1), n.layer("img").attr("shape"));
    assertEquals("same", n.layer("conv").attr("pad"));
    assertEquals(List.of(1, 1), n.layer("conv2").attr("pad"));
    assertEquals("IDENTITY", n.layer("conv2").attr("activation"));
    assertEquals(1, n.layer("merge").attr("axis"));
    assertEquals("MergeVertex", ((Map<?, ?>) n.layer("merge").attr("dl4j")).get("vertex"));
    assertEquals("AVG", n.layer("pool").attr("method"));
    assertEquals("SUM", n.layer("sum").attr("op"));
    assertEquals("SIGMOID", n.layer("fc2").attr("activation"));
    assertEquals(3, n.layer("out").attr("units"));

    Map<String, INDArray> params = new LinkedHashMap<>();
    for (String name : List.of("conv", "conv2", "fc", "fc2", "out")) {
      for (Map.Entry<String, INDArray> e : graph.getLayer(name).paramTable().entrySet()) {
        params.put(name + "/" + e.getKey(), e.getValue());
      }
    }
    assertTensorsMatch(params, c);
    assertEquals(graph.numParams(), c.numParams());
    assertEquals("ADAM", c.hyperparams().get("updater"));
    assertEquals("11", c.hyperparams().get("seed"));

    Path other = Files.createDirectory(tmp.resolve("vector"));
    ModelContent fromVector = viaConfigAndVector(graph, graph.getConfiguration().toJson(),
        other);
    assertEquals(n.layers(), fromVector.network().layers());
    RoundTrip.assertSameTensors(c.tensors(), fromVector.tensors());

    Path out = Files.createDirectory(tmp.resolve("export"));
    RoundTrip.check(c, out);
    assertEquals(Nd4jArrays.toTensor("flat", graph.params()).sha256(),
        RoundTrip.restoredParamsSha(out.resolve("model.zip")));
  }

  /** Training moved the weights away from a fresh initialisation with the same seed. */
  @Test void trainingChangedTheWeights(@TempDir Path tmp) throws IOException {
    MultiLayerNetwork trained = trainedMultiLayer();
    MultiLayerNetwork fresh = new MultiLayerNetwork(trained.getLayerWiseConfigurations().clone());
    fresh.init();
    Path a = tmp.resolve("trained.zip");
    Path b = tmp.resolve("fresh.zip");
    ModelSerializer.writeModel(trained, a.toFile(), false);
    ModelSerializer.writeModel(fresh, b.toFile(), false);
    Tensor ta = RoundTrip.importFile(a).tensorMap().get("layer4/W");
    Tensor tb = RoundTrip.importFile(b).tensorMap().get("layer4/W");
    assertNotEquals(ta.sha256(), tb.sha256());
  }
}
