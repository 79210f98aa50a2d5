package org.modelhub.dl4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.modelhub.dl4j.data.DataSources;
import org.modelhub.dl4j.data.LabeledData;
import org.modelhub.store.Corpus;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.runtime.Setting;
import org.modelhub.store.runtime.TrainingConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Dl4jGraphTest {
  private static final TrainingConfig CONFIG = TrainingConfig.defaults();

  private static LabeledData fashion(int n) {
    return DataSources.testOnly(Corpus.path(CorpusModels.FASHION),
        CONFIG.with(Setting.config(TrainingConfig.EXAMPLES), Integer.toString(n)));
  }

  /** DL4J's outputs for the examples against the plain-Java reference, value by value. */
  private static void assertMatchesReference(ModelContent content, String output,
      LabeledData data) {
    Dl4jGraph g = Dl4jGraph.build(content, data.exampleShape(), 10, CONFIG);
    INDArray x = data.batch(0, data.size(), g.inputShape()).getFeatures();
    INDArray y = g.output(x);
    ReferenceForward ref = new ReferenceForward(content);
    for (int i = 0; i < data.size(); i++) {
      float[] want = ref.probabilities(x.slice(i).dup().data().asFloat(), data.exampleShape(),
          output);
      assertArrayEquals(want, y.getRow(i).dup().data().asFloat(), 2e-5f, "example " + i);
    }
  }

  @Test void caffeLenetRunsOnFashionMnistAsCaffeWould() {
    assertMatchesReference(CorpusModels.caffeLenet(), "prob", fashion(8));
  }

  @Test void onnxCnnDropsItsShapeSubgraph() {
    assertMatchesReference(CorpusModels.onnxMnist(), "LogSoftmax_15", fashion(8));
  }

  @Test void untrainedParametersGoBackAsTheOriginalTensors() {
    ModelContent lenet = CorpusModels.caffeLenet();
    Dl4jGraph g = Dl4jGraph.build(lenet, new long[] {1, 28, 28}, 10, CONFIG);
    List<Tensor> back = g.tensors();
    assertEquals(lenet.tensors().size(), back.size());
    for (int i = 0; i < back.size(); i++) {
      assertSame(lenet.tensors().get(i), back.get(i), back.get(i).name());
    }
  }

  @Test void unsupportedLayersAreNamed() {
    ModelHubException e = assertThrows(ModelHubException.class, () -> Dl4jGraph.build(
        CorpusModels.read("caffe/bvlc_alexnet.deploy.prototxt"), new long[] {3, 227, 227}, 1000,
        CONFIG));
    assertTrue(e.getMessage().contains("layer 'conv2' (CONV): grouped convolution (group 2)"),
        e.getMessage());
    e = assertThrows(ModelHubException.class, () -> Dl4jGraph.build(
        CorpusModels.read("tfjs/esrgan-slim-x2/model.json"), new long[] {3, 16, 16}, 0,
        CONFIG));
    assertTrue(e.getMessage().contains("layer 'UPsample' (UPSAMPLE): has no DL4J equivalent"),
        e.getMessage());
    e = assertThrows(ModelHubException.class, () -> Dl4jGraph.build(
        CorpusModels.caffeLenet(), new long[] {4}, 3, CONFIG));
    assertTrue(e.getMessage().contains("layer 'data' (INPUT): takes examples of shape"
        + " [1,28,28] but the data's have shape [4]"), e.getMessage());
    e = assertThrows(ModelHubException.class, () -> Dl4jGraph.build(
        CorpusModels.caffeLenet(), new long[] {1, 28, 28}, 3, CONFIG));
    assertTrue(e.getMessage().contains("layer 'ip2' (FC): the network's output has [10] values"
        + " per example but the data has 3 classes"), e.getMessage());
  }

  @Test void everyVocabularyLayerMatchesTheReference() {
    ModelContent net = TestNets.caffeVocabulary(3);
    Dl4jGraph g = Dl4jGraph.build(net, new long[] {2, 8, 8}, 5, CONFIG);
    java.util.Random r = new java.util.Random(5);
    float[] v = new float[4 * 2 * 8 * 8];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * 2);
    }
    INDArray x = Nd4j.create(v, new long[] {4, 2, 8, 8}, 'c');
    INDArray y = g.output(x);
    ReferenceForward ref = new ReferenceForward(net);
    for (int i = 0; i < 4; i++) {
      float[] want = ref.probabilities(x.slice(i).dup().data().asFloat(),
          new long[] {2, 8, 8}, "prob");
      assertArrayEquals(want, y.getRow(i).dup().data().asFloat(), 1e-4f, "example " + i);
    }
    assertEquals(List.of("conv1/W", "conv1/b", "sc1/gamma", "sc1/beta", "bn1/mean",
        "bn1/variance", "conv2a/W", "conv2a/b", "conv2b/W", "conv2b/b", "fc1/W", "fc1/b"),
        g.boundTensors(), "a SCALE after a BATCHNORM gives the batch norm its gamma and beta");
  }

  @Test void kerasLayoutsAreReorderedBothWays() {
    ModelContent net = TestNets.keras(11);
    Dl4jGraph g = Dl4jGraph.build(net, new long[] {2, 6, 6}, 3, CONFIG);
    java.util.Random r = new java.util.Random(2);
    float[] nhwc = new float[6 * 6 * 2];
    for (int i = 0; i < nhwc.length; i++) {
      nhwc[i] = (float) r.nextGaussian();
    }
    float[] nchw = new float[nhwc.length];
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 6; x++) {
        for (int c = 0; c < 2; c++) {
          nchw[(c * 6 + y) * 6 + x] = nhwc[(y * 6 + x) * 2 + c];
        }
      }
    }
    INDArray out = g.output(Nd4j.create(nchw, new long[] {1, 2, 6, 6}, 'c'));
    assertArrayEquals(TestNets.kerasReference(net, nhwc), out.dup().data().asFloat(), 1e-5f);
    g.graph().getLayer("c1").getParam("W").addi(1);
    g.graph().getLayer("d").getParam("W").addi(1);
    java.util.Map<String, Tensor> back = new java.util.HashMap<>();
    g.tensors().forEach(t -> back.put(t.name(), t));
    for (String name : List.of("c1/kernel", "d/kernel")) {
      float[] was = net.tensorMap().get(name).toFloats();
      float[] now = back.get(name).toFloats();
      assertArrayEquals(net.tensorMap().get(name).shape(), back.get(name).shape(), name);
      for (int i = 0; i < was.length; i++) {
        assertEquals(was[i] + 1, now[i], 1e-6, name + " value " + i);
      }
    }
    assertSame(net.tensorMap().get("c1/bias"), back.get("c1/bias"));
  }

  @Test void dl4jModelsGiveWhatDl4jGives() throws java.io.IOException {
    String zip = "dl4j/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip";
    ModelContent net = CorpusModels.read(zip);
    LabeledData data = fashion(8);
    Dl4jGraph g = Dl4jGraph.build(net, data.exampleShape(), 10, CONFIG);
    assertArrayEquals(new long[] {784}, g.inputShape(), "images feed an MLP flattened");
    INDArray x = data.batch(0, 8, g.inputShape()).getFeatures();
    INDArray want = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
        Corpus.path(zip).toFile()).output(x);
    assertArrayEquals(want.dup().data().asFloat(), g.output(x).dup().data().asFloat(), 1e-6f);
  }

  @Test void layersWithoutWeightsAreInitialisedFromTheSeed() {
    ModelContent mlp = new ModelContent(TestNets.weightlessMlp(4, 8, 3), List.of());
    List<Tensor> a = Dl4jGraph.build(mlp, new long[] {4}, 3, CONFIG).tensors();
    List<Tensor> b = Dl4jGraph.build(mlp, new long[] {4}, 3, CONFIG).tensors();
    List<Tensor> c = Dl4jGraph.build(mlp, new long[] {4}, 3,
        CONFIG.with(Setting.config(TrainingConfig.SEED), "7")).tensors();
    assertEquals(List.of("fc1/W [8,4]", "fc1/b [8]", "fc2/W [3,8]", "fc2/b [3]"),
        a.stream().map(t -> t.name() + " " + Tensor.shapeString(t.shape())).toList(),
        "a network of no format stores dense weights [out,in], as Caffe and ONNX do");
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).sha256(), b.get(i).sha256(), "same seed, same " + a.get(i).name());
    }
    assertTrue(!a.get(0).sha256().equals(c.get(0).sha256()), "another seed, other weights");
    float[] w = a.get(0).toFloats();
    double bound = Math.sqrt(6.0 / (4 + 8)) * 1.01;
    assertTrue(java.util.stream.IntStream.range(0, w.length).allMatch(i -> Math.abs(w[i]) <= bound
        * 3), "Xavier-scaled");
  }

  @Test void anInsertedReluBuildsAndActs() {
    ModelContent lenet = CorpusModels.caffeLenet();
    ModelContent withRelu = insertRelu(lenet, "conv1", "relu_conv1");
    LabeledData data = fashion(16);
    Dl4jGraph plain = Dl4jGraph.build(lenet, data.exampleShape(), 10, CONFIG);
    Dl4jGraph relu = Dl4jGraph.build(withRelu, data.exampleShape(), 10, CONFIG);
    INDArray x = data.batch(0, 16, plain.inputShape()).getFeatures();
    assertTrue(!plain.output(x).equalsWithEps(relu.output(x), 1e-6),
        "the inserted RELU changes the outputs");
    assertEquals(lenet.tensors(), relu.tensors(), "a layer without weights adds none");
  }

  /** What DQL's construct does: a layer after {@code after}, its consumers rewired. */
  static ModelContent insertRelu(ModelContent c, String after, String name) {
    List<org.modelhub.store.model.Layer> layers = new java.util.ArrayList<>();
    for (org.modelhub.store.model.Layer l : c.network().layers()) {
      List<String> ins = l.inputs().stream().map(i -> i.equals(after) ? name : i).toList();
      layers.add(l.withInputs(ins));
      if (l.name().equals(after)) {
        layers.add(new org.modelhub.store.model.Layer(name, "RELU", java.util.Map.of(),
            List.of(after)));
      }
    }
    return new ModelContent(c.network().withLayers(layers), c.tensors(), c.hyperparams(),
        List.of());
  }
}
