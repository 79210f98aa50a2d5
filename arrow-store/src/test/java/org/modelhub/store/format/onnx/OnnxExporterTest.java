package org.modelhub.store.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelhub.store.Corpus;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.onnx.proto.OnnxProto.ModelProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.NodeProto;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/** Exports networks to ONNX: corpus round trips, other formats' layers, changed networks. */
class OnnxExporterTest {
  private final OnnxImporter importer = new OnnxImporter();
  private final OnnxExporter exporter = new OnnxExporter();

  /** Same tensors (names, order, shapes, dtypes, sha256) and an equal network. */
  static void assertSameContent(ModelContent expected, ModelContent actual) {
    assertEquals(expected.tensors().size(), actual.tensors().size());
    for (int i = 0; i < expected.tensors().size(); i++) {
      Tensor e = expected.tensors().get(i);
      Tensor a = actual.tensors().get(i);
      assertEquals(e.name(), a.name());
      assertArrayEquals(e.shape(), a.shape(), e.name());
      assertEquals(e.dtype(), a.dtype(), e.name());
      assertEquals(e.sha256(), a.sha256(), e.name());
    }
    assertEquals(expected.network().layers(), actual.network().layers());
    assertEquals(expected.network().attrs(), actual.network().attrs());
    assertEquals(expected.network(), actual.network());
  }

  @ParameterizedTest
  @ValueSource(strings = {"light_bvlc_alexnet", "light_inception_v1", "light_squeezenet",
      "light_vgg19", "output_cnn_mnist"})
  void corpusModelsRoundTripExactly(String name, @TempDir Path dir) throws IOException {
    Path source = Corpus.path("onnx/" + name + ".onnx");
    ModelContent first = importer.read(source);
    // export what the catalog gives back: the network as stored JSON, read again
    Network stored = NetworkJson.fromJson(NetworkJson.toJson(first.network(), false));
    assertEquals(first.network(), stored);
    List<Path> written = exporter.write(new ModelContent(stored, first.tensors()), dir);
    assertEquals(List.of(dir.resolve("model.onnx")), written);
    ModelContent second = importer.read(written.get(0));
    assertSameContent(first, second);

    byte[] original = Files.readAllBytes(source);
    byte[] exported = Files.readAllBytes(written.get(0));
    assertEquals(ModelProto.parseFrom(original), ModelProto.parseFrom(exported));
    assertArrayEquals(original, exported, "re-exported file differs from " + source);
  }

  @Test void syntheticGraphRoundTripsExactly(@TempDir Path dir) throws IOException {
    ModelProto model = OnnxImporterTest.syntheticModel();
    Path source = dir.resolve("synthetic.onnx");
    Files.write(source, model.toByteArray());
    ModelContent first = importer.read(source);
    Path out = Files.createDirectory(dir.resolve("out"));
    Path exported = exporter.write(first, out).get(0);
    assertEquals(model, ModelProto.parseFrom(Files.readAllBytes(exported)));
    assertArrayEquals(model.toByteArray(), Files.readAllBytes(exported));
    assertSameContent(first, importer.read(exported));
  }

  @Test void externalDataIsWrittenBack(@TempDir Path dir) throws IOException {
    ModelProto model = OnnxTestModels.externalModel(dir, "weights.bin");
    Path source = dir.resolve("ext.onnx");
    Files.write(source, model.toByteArray());
    ModelContent first = importer.read(source);
    Path out = Files.createDirectory(dir.resolve("out"));
    List<Path> written = exporter.write(first, out);
    assertEquals(List.of(out.resolve("model.onnx"), out.resolve("weights.bin")), written);
    assertEquals(model, ModelProto.parseFrom(Files.readAllBytes(written.get(0))));
    byte[] data = Files.readAllBytes(written.get(1));
    assertEquals(40, data.length);
    assertArrayEquals(OnnxTestModels.externalBytes(), Arrays.copyOfRange(data, 16, 40));
    assertSameContent(first, importer.read(written.get(0)));
  }

  /** A LeNet as another format's importer would give it: vocabulary only, no ONNX node. */
  static ModelContent lenet() {
    List<Layer> layers = new ArrayList<>();
    layers.add(new Layer("data", "INPUT", Map.of("shape", List.of(64, 1, 28, 28)), List.of()));
    layers.add(new Layer("conv1", "CONV", Map.of("filters", 20, "kernel", List.of(5, 5),
        "stride", List.of(1, 1), "bias", true), List.of("data")));
    layers.add(new Layer("pool1", "POOL", Map.of("method", "MAX", "kernel", List.of(2, 2),
        "stride", List.of(2, 2)), List.of("conv1")));
    layers.add(new Layer("ip1", "FC", Map.of("units", 500, "bias", true), List.of("pool1")));
    layers.add(new Layer("relu1", "RELU", Map.of(), List.of("ip1")));
    layers.add(new Layer("drop1", "DROPOUT", Map.of("ratio", 0.5), List.of("relu1")));
    layers.add(new Layer("ip2", "FC", Map.of("units", 10, "bias", true), List.of("drop1")));
    layers.add(new Layer("prob", "SOFTMAX", Map.of("axis", 1), List.of("ip2")));
    Network net = new Network("LeNet", layers, Map.of("caffe", Map.of("name", "LeNet")));
    List<Tensor> tensors = List.of(
        values("conv1/W", 20, 1, 5, 5), values("conv1/b", 20),
        values("ip1/W", 500, 2880), values("ip1/b", 500),
        values("ip2/W", 10, 500), values("ip2/b", 10));
    return new ModelContent(net, tensors);
  }

  private static Tensor values(String name, long... shape) {
    float[] v = new float[(int) Tensor.numValues(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.cos(i * 0.37 + name.length()) / 7;
    }
    return Tensor.ofFloats(name, shape, v);
  }

  @Test void vocabularyNetworkBecomesOnnxNodes(@TempDir Path dir) throws IOException {
    ModelContent lenet = lenet();
    Path file = exporter.write(lenet, dir).get(0);
    ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
    assertEquals(List.of("Conv", "MaxPool", "Flatten", "Gemm", "Relu", "Dropout", "Gemm",
        "Softmax"), m.getGraph().getNodeList().stream().map(NodeProto::getOpType)
        .collect(Collectors.toList()));
    assertEquals("data", m.getGraph().getInput(0).getName());
    assertEquals(List.of("prob"), m.getGraph().getOutputList().stream().map(v -> v.getName())
        .collect(Collectors.toList()));

    ModelContent back = importer.read(file);
    Network n = back.network();
    assertEquals("LeNet", n.name());
    assertEquals(List.of(64, 1, 28, 28), n.layer("data").attr("shape"));
    Layer conv1 = n.layer("conv1");
    assertEquals("CONV", conv1.type());
    assertEquals(20, conv1.attr("filters"));
    assertEquals(List.of(5, 5), conv1.attr("kernel"));
    assertEquals(List.of("data"), conv1.inputs());
    assertEquals("MAX", n.layer("pool1").attr("method"));
    assertEquals(500, n.layer("ip1").attr("units"));
    assertEquals(10, n.layer("ip2").attr("units"));
    assertEquals(List.of("ip1_flatten"), n.layer("ip1").inputs());
    assertEquals(0.5, n.layer("drop1").attr("ratio"));
    assertEquals("SOFTMAX", n.layer("prob").type());
    Map<String, Tensor> t = back.tensorMap();
    for (Tensor original : lenet.tensors()) {
      Tensor copy = t.get(original.name());
      assertNotNull(copy, original.name() + " in " + t.keySet());
      assertEquals(original.sha256(), copy.sha256());
      assertArrayEquals(original.shape(), copy.shape());
    }
  }

  /** Layers of every exportable vocabulary type, with Caffe-style batch norm statistics. */
  static ModelContent vocabulary() {
    List<Layer> layers = new ArrayList<>();
    layers.add(new Layer("img", "INPUT", Map.of("shape", List.of(-1, 3, 16, 16)), List.of()));
    layers.add(new Layer("conv", "CONV", Map.of("filters", 8, "kernel", List.of(3, 3),
        "pad", "same", "activation", "RELU"), List.of("img")));
    layers.add(new Layer("bn", "BATCHNORM", Map.of("eps", 1.0E-5), List.of("conv")));
    layers.add(new Layer("sc", "SCALE", Map.of(), List.of("bn")));
    layers.add(new Layer("pr", "PRELU", Map.of(), List.of("sc")));
    layers.add(new Layer("lrn", "LRN", Map.of("size", 5, "alpha", 1.0E-4, "beta", 0.75,
        "k", 1.0), List.of("pr")));
    layers.add(new Layer("up", "DECONV", Map.of("filters", 8, "kernel", List.of(2, 2),
        "stride", List.of(2, 2), "group", 2), List.of("lrn")));
    layers.add(new Layer("down", "POOL", Map.of("method", "AVG", "kernel", List.of(2, 2),
        "stride", 2), List.of("up")));
    layers.add(new Layer("sig", "SIGMOID", Map.of(), List.of("down")));
    layers.add(new Layer("th", "TANH", Map.of(), List.of("down")));
    layers.add(new Layer("prod", "ELTWISE", Map.of("op", "PROD"),
        List.of("sig", "th", "down")));
    layers.add(new Layer("cat", "CONCAT", Map.of("axis", 1), List.of("prod", "lrn")));
    layers.add(new Layer("gap", "POOL", Map.of("method", "MAX", "global", true),
        List.of("cat")));
    layers.add(new Layer("flat", "FLATTEN", Map.of(), List.of("gap")));
    layers.add(new Layer("shift", "CONSTANT", Map.of(), List.of()));
    layers.add(new Layer("add", "ELTWISE", Map.of("op", "SUM"), List.of("flat", "shift")));
    layers.add(new Layer("dense", "FC", Map.of("units", 4, "activation", "softmax"),
        List.of("add")));
    layers.add(new Layer("rs", "RESHAPE", Map.of("shape", List.of(0, 2, 2)), List.of("dense")));
    layers.add(new Layer("act", "ACTIVATION", Map.of("activation", "TANH"), List.of("rs")));
    Network net = new Network("zoo", layers, Map.of());
    List<Tensor> tensors = List.of(
        values("conv/W", 8, 3, 3, 3), values("conv/b", 8),
        values("bn/mean", 8), values("bn/variance", 8),
        Tensor.ofFloats("bn/scale_factor", new long[] {1}, new float[] {2f}),
        values("sc/gamma", 8), values("sc/beta", 8),
        Tensor.ofFloats("pr/blob0", new long[] {1}, new float[] {0.25f}),
        values("up/W", 8, 4, 2, 2),
        values("shift/value", 1, 16),
        // Keras-style [in, units] dense kernel: exported with transB = 0
        values("dense/W", 16, 4), values("dense/b", 4));
    return new ModelContent(net, tensors);
  }

  @Test void everyExportableTypeRoundTripsThroughOnnx(@TempDir Path dir) throws IOException {
    ModelContent zoo = vocabulary();
    Path file = exporter.write(zoo, dir).get(0);
    ModelContent back = importer.read(file);
    Network n = back.network();
    // SCALE is an ONNX Mul (+ Add), an ACTIVATION the operator it names
    Map<String, String> becomes = Map.of("sc", "ELTWISE", "act", "TANH");
    for (Layer l : zoo.network().layers()) {
      Layer copy = n.layer(l.name());
      assertNotNull(copy, l.name());
      assertEquals(becomes.getOrDefault(l.name(), l.type()), copy.type(), l.name());
    }
    assertEquals(List.of("sc"), n.layer("sc_bias").inputs());
    assertEquals("same", n.layer("conv").attr("pad"));
    assertEquals(List.of("conv_relu"), n.layer("bn").inputs());
    assertEquals(8, n.layer("up").attr("filters"));
    assertEquals(List.of(2, 2), n.layer("down").attr("stride"));
    assertEquals(List.of("sig", "th"), n.layer("prod_1").inputs());
    assertEquals("PROD", n.layer("prod_1").attr("op"));
    assertEquals(List.of("prod_1", "down"), n.layer("prod").inputs());
    assertEquals(List.of("prod", "lrn"), n.layer("cat").inputs());
    assertEquals(true, n.layer("gap").attr("global"));
    assertEquals(4, n.layer("dense").attr("units"));
    assertEquals("SOFTMAX", n.layer("dense_softmax").type());
    assertEquals(List.of(0, 2, 2), n.layer("rs").attr("shape"));
    Map<String, Tensor> t = back.tensorMap();
    // weights keep their bytes; Caffe's running sums become ONNX statistics
    assertEquals(zoo.tensorMap().get("conv/W").sha256(), t.get("conv/W").sha256());
    assertEquals(zoo.tensorMap().get("dense/W").sha256(), t.get("dense/W").sha256());
    assertEquals(zoo.tensorMap().get("bn/mean").valueAt(3) / 2, t.get("bn/mean").valueAt(3));
    assertEquals(1.0, t.get("bn/scale").valueAt(0));
    // per-channel scale broadcasts over [N, C, H, W]: same bytes, shape [C, 1, 1]
    assertArrayEquals(new long[] {8, 1, 1}, t.get("sc/gamma").shape());
    assertEquals(zoo.tensorMap().get("sc/gamma").sha256(), t.get("sc/gamma").sha256());
    assertEquals(zoo.tensorMap().get("shift/value").sha256(), t.get("shift/value").sha256());
    assertEquals(zoo.tensorMap().get("pr/blob0").sha256(), t.get("pr/blob0").sha256());
    assertEquals(List.of(0, 2, 2), List.of((int) t.get("rs/shape").valueAt(0),
        (int) t.get("rs/shape").valueAt(1), (int) t.get("rs/shape").valueAt(2)));
  }

  @Test void unsupportedTypeNamesTheLayer(@TempDir Path dir) {
    ModelContent lenet = lenet();
    List<Layer> layers = new ArrayList<>(lenet.network().layers());
    layers.add(new Layer("accuracy", "ACCURACY", Map.of(), List.of("prob")));
    ModelContent bad = new ModelContent(lenet.network().withLayers(layers), lenet.tensors());
    ModelHubException e = assertThrows(ModelHubException.class, () -> exporter.write(bad, dir));
    assertTrue(e.getMessage().contains("'accuracy'"), e.getMessage());
    assertTrue(e.getMessage().contains("ACCURACY"), e.getMessage());
  }

  @Test void keepsLayoutChecks(@TempDir Path dir) {
    // a Keras-style kernel [kh, kw, in, out] is not ONNX's layout: refuse rather than guess
    List<Layer> layers = List.of(
        new Layer("x", "INPUT", Map.of("shape", List.of(1, 3, 8, 8)), List.of()),
        new Layer("c", "CONV", Map.of("filters", 4, "kernel", List.of(3, 3)), List.of("x")));
    ModelContent keras = new ModelContent(new Network("k", layers, Map.of()),
        List.of(values("c/W", 3, 3, 3, 4)));
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> exporter.write(keras, dir));
    assertTrue(e.getMessage().contains("'c'"), e.getMessage());
  }

  @Test void layerInsertedIntoAnOnnxNetworkIsWiredIn(@TempDir Path dir) throws IOException {
    ModelContent mnist = importer.read(Corpus.path("onnx/output_cnn_mnist.onnx"));
    List<Layer> layers = new ArrayList<>();
    for (Layer l : mnist.network().layers()) {
      if (l.name().equals("Conv_3")) {
        layers.add(new Layer("extra_relu", "RELU", Map.of(), List.of("MaxPool_2")));
        layers.add(l.withInputs(List.of("extra_relu")));
      } else {
        layers.add(l);
      }
    }
    ModelContent changed = new ModelContent(mnist.network().withLayers(layers),
        mnist.tensors());
    ModelContent back = importer.read(exporter.write(changed, dir).get(0));
    Network n = back.network();
    assertEquals("RELU", n.layer("extra_relu").type());
    assertEquals(List.of("MaxPool_2"), n.layer("extra_relu").inputs());
    assertEquals(List.of("extra_relu"), n.layer("Conv_3").inputs());
    assertEquals(mnist.tensorMap().get("Conv_3/W").sha256(),
        back.tensorMap().get("Conv_3/W").sha256());
    assertEquals(mnist.tensors().size(), back.tensors().size());
  }

  @Test void slicedOnnxNetworkDropsWhatWasCutAway(@TempDir Path dir) throws IOException {
    ModelContent mnist = importer.read(Corpus.path("onnx/output_cnn_mnist.onnx"));
    Network net = mnist.network();
    List<Layer> kept = net.between("Conv_3", "MaxPool_5");
    List<Layer> layers = new ArrayList<>();
    for (Layer l : kept) {
      layers.add(l.name().equals("Conv_3") ? l.withInputs(List.of()) : l);
    }
    List<String> names = layers.stream().map(Layer::name).collect(Collectors.toList());
    List<Tensor> tensors = mnist.tensors().stream()
        .filter(t -> names.contains(t.layer())).collect(Collectors.toList());
    ModelContent slice = new ModelContent(net.withLayers(layers), tensors);
    Path file = exporter.write(slice, dir).get(0);
    ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
    assertEquals(List.of("Conv", "Relu", "MaxPool"), m.getGraph().getNodeList().stream()
        .map(NodeProto::getOpType).collect(Collectors.toList()));
    assertEquals(List.of("conv2.0.weight", "conv2.0.bias"), m.getGraph().getInitializerList()
        .stream().map(t -> t.getName()).collect(Collectors.toList()));
    // the cut input becomes a graph input, the last layer an output
    assertTrue(m.getGraph().getInputList().stream().anyMatch(v -> v.getName()
        .equals("input.4")));
    assertFalse(m.getGraph().getInputList().stream().anyMatch(v -> v.getName()
        .equals("input.1")));
    assertEquals("onnx::Reshape_12", m.getGraph().getOutput(0).getName());
    ModelContent back = importer.read(file);
    assertEquals(2, back.tensors().size());
    assertEquals(mnist.tensorMap().get("Conv_3/W").sha256(),
        back.tensorMap().get("Conv_3/W").sha256());
    assertEquals("INPUT", back.network().layer("input.4").type());
  }

  @Test void attributesAreReadableJson() throws IOException {
    ModelContent c = importer.read(Corpus.path("onnx/output_cnn_mnist.onnx"));
    Map<String, Object> onnx = OnnxImporterTest.onnx(c.network().layer("Gemm_14"));
    List<?> attrs = (List<?>) onnx.get("attributes");
    Map<String, Object> alpha = new LinkedHashMap<>();
    alpha.put("f", 1.0);
    alpha.put("name", "alpha");
    alpha.put("type", "FLOAT");
    assertEquals(alpha, attrs.get(0));
    assertEquals(Map.of("i", 1, "name", "transB", "type", "INT"), attrs.get(2));
    @SuppressWarnings("unchecked")
    Map<String, Object> net = (Map<String, Object>) c.network().attrs().get("onnx");
    assertEquals(7, net.get("ir_version"));
    assertEquals("pytorch", net.get("producer_name"));
    assertEquals(List.of(Map.of("domain", "", "version", 13)), net.get("opset_import"));
  }
}
