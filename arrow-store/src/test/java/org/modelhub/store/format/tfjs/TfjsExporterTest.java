package org.modelhub.store.format.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.modelhub.store.format.tfjs.TfjsFiles.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/** Exports to TF.js and reads back: bit-exact weights, equal networks. */
class TfjsExporterTest {
  @Test void esrganRoundTripIsBitExact(@TempDir Path dir) throws IOException {
    ModelContent original = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN));
    List<Path> files = new TfjsExporter().write(original, dir);
    assertEquals(List.of(dir.resolve("model.json"), dir.resolve("group1-shard1of1.bin")), files);
    ModelContent back = TfjsFiles.importModel(files.get(0));
    assertSameContent(original, back);
    assertEquals(TfjsFiles.sha256(corpus(TfjsFiles.ESRGAN_SHARD)), TfjsFiles.sha256(files.get(1)));
    assertEquals("5cb464ae4d390ce0a771afd5feaf60fbfcdb18ab48a56db98cdf6b88202369de",
        TfjsFiles.sha256(files.get(1)));
  }

  @Test void esrganModelJsonMatchesTheOriginal(@TempDir Path dir) throws IOException {
    ModelContent original = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN));
    new TfjsExporter().write(original, dir);
    JsonNode expected = TfjsImporter.parseJson(corpus(TfjsFiles.ESRGAN));
    JsonNode written = TfjsImporter.parseJson(dir.resolve("model.json"));
    // JSON equality ignores key order: the same document, field for field
    assertEquals(expected, written);
  }

  @Test void manifestOrderWinsOverContentOrder(@TempDir Path dir) throws IOException {
    ModelContent original = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN));
    List<Tensor> shuffled = new ArrayList<>(original.tensors());
    java.util.Collections.reverse(shuffled);
    ModelContent reordered = new ModelContent(original.network(), shuffled);
    List<Path> files = new TfjsExporter().write(reordered, dir);
    assertEquals(TfjsFiles.sha256(corpus(TfjsFiles.ESRGAN_SHARD)), TfjsFiles.sha256(files.get(1)));
    assertSameContent(original, TfjsFiles.importModel(files.get(0)));
  }

  @Test void keras3InboundNodesAreKept(@TempDir Path dir) throws IOException {
    String json = """
        {"format": "layers-model", "modelTopology": {"class_name": "Functional", "config": {
          "name": "k3", "layers": [
           {"class_name": "InputLayer", "config": {"batch_shape": [null, 2], "name": "x"},
            "name": "x", "inbound_nodes": []},
           {"class_name": "ReLU", "config": {"name": "r"}, "name": "r",
            "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
             "config": {"keras_history": ["x", 0, 0]}}], "kwargs": {"training": false}}]}],
          "input_layers": ["x", 0, 0], "output_layers": ["r", 0, 0]}},
         "weightsManifest": []}
        """;
    Path src = Files.createDirectories(dir.resolve("src"));
    Path model = TfjsFiles.write(src, "model.json", json);
    ModelContent original = TfjsFiles.importModel(model);
    assertEquals(List.of("x"), original.network().layer("r").inputs());
    assertEquals("RELU", original.network().layer("r").type());
    assertSameContent(original, TfjsFiles.roundTrip(original, dir.resolve("out")));
    JsonNode written = TfjsImporter.parseJson(dir.resolve("out/model.json"));
    assertEquals(TfjsImporter.parseJson(model).get("modelTopology"),
        written.get("modelTopology"));
  }

  @Test void sequentialRoundTrip(@TempDir Path dir) throws IOException {
    Path src = Files.createDirectories(dir.resolve("src"));
    Path model = TfjsFiles.write(src, "model.json", TfjsFiles.MLP);
    TfjsFiles.write(src, "group1-shard1of1.bin", TfjsFiles.floats(TfjsFiles.MLP_VALUES, 5));
    ModelContent original = TfjsFiles.importModel(model);
    ModelContent back = TfjsFiles.roundTrip(original, dir.resolve("out"));
    assertSameContent(original, back);
    assertEquals(TfjsImporter.parseJson(model),
        TfjsImporter.parseJson(dir.resolve("out/model.json")));
  }

  @Test void quantizedManifestRoundTrip(@TempDir Path dir) throws IOException {
    ModelContent original = TfjsFiles.importWeights(corpus(TfjsFiles.FACE_MANIFEST));
    List<Path> files = new TfjsExporter().write(original, dir);
    assertTrue(TfjsImporter.parseJson(files.get(0)).get("modelTopology").isNull());
    ModelContent back = TfjsFiles.importModel(files.get(0));
    assertSameContent(original, back);
    assertEquals(TfjsFiles.sha256(corpus(TfjsFiles.FACE_BIN)), TfjsFiles.sha256(files.get(1)));
  }

  @Test void everyQuantizationRoundTrips(@TempDir Path dir) throws IOException {
    String json = """
        {"format": "layers-model", "modelTopology": {"class_name": "Model", "config": {
          "name": "q", "layers": [
           {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3],
             "dtype": "float32", "sparse": false, "name": "in"},
            "name": "in", "inbound_nodes": []},
           {"class_name": "Dense", "config": {"name": "d", "units": 4, "use_bias": true},
            "name": "d", "inbound_nodes": [[["in", 0, 0, {}]]]},
           {"class_name": "Embedding", "config": {"name": "e", "input_dim": 5,
             "output_dim": 2},
            "name": "e", "inbound_nodes": [[["in", 0, 0, {}]]]}],
          "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0], ["e", 0, 0]]}},
         "weightsManifest": [
          {"paths": ["a.bin"], "weights": [
           {"name": "d/kernel", "shape": [3, 4], "dtype": "float32",
            "quantization": {"dtype": "uint16", "scale": 0.001, "min": -0.5}},
           {"name": "d/bias", "shape": [4], "dtype": "float32",
            "quantization": {"dtype": "float16"}}]},
          {"paths": ["b.bin"], "weights": [
           {"name": "e/embeddings", "shape": [5, 2], "dtype": "float32",
            "quantization": {"dtype": "uint8", "scale": 0.5, "min": 1.0,
                             "original_dtype": "float32"}},
           {"name": "steps", "shape": [], "dtype": "int32"},
           {"name": "mask", "shape": [3], "dtype": "bool"}]}]}
        """;
    Path src = Files.createDirectories(dir.resolve("src"));
    Path model = TfjsFiles.write(src, "model.json", json);
    byte[] a = TfjsFiles.randomBytes(12 * 2 + 4 * 2, 11);
    byte[] b = TfjsFiles.randomBytes(10 + 4 + 3, 12);
    TfjsFiles.write(src, "a.bin", a);
    TfjsFiles.write(src, "b.bin", b);
    ModelContent original = TfjsFiles.importModel(model);
    assertEquals(List.of(DType.INT16, DType.FLOAT16, DType.UINT8, DType.INT32, DType.BOOL),
        original.tensors().stream().map(Tensor::dtype).toList());
    ModelContent back = TfjsFiles.roundTrip(original, dir.resolve("out"));
    assertSameContent(original, back);
    byte[] shard = Files.readAllBytes(dir.resolve("out/group1-shard1of1.bin"));
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    assertArrayEquals(both, shard, "one shard: the groups' shards concatenated");
    JsonNode entry = TfjsImporter.parseJson(dir.resolve("out/model.json"))
        .get("weightsManifest").get(0).get("weights").get(0);
    assertEquals("uint16", entry.get("quantization").get("dtype").asText());
    assertEquals(0.001, entry.get("quantization").get("scale").asDouble());
  }

  @Test void insertedLayerGetsAKerasConfigAndRewiredNodes(@TempDir Path dir)
      throws IOException {
    ModelContent original = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN));
    // what DQL construct does: a RELU after F_0, taking over F_0's out-edges
    List<Layer> layers = new ArrayList<>();
    for (Layer l : original.network().layers()) {
      List<String> inputs = l.inputs().stream().map(n -> n.equals("F_0") ? "relu0" : n).toList();
      layers.add(l.withInputs(inputs));
      if (l.name().equals("F_0")) {
        layers.add(new Layer("relu0", "RELU", Map.of(), List.of("F_0")));
      }
    }
    ModelContent edited = new ModelContent(original.network().withLayers(layers),
        original.tensors());
    ModelContent back = TfjsFiles.roundTrip(edited, dir);
    Network net = back.network();
    assertEquals("RELU", net.layer("relu0").type());
    assertEquals(List.of("F_0"), net.layer("relu0").inputs());
    assertEquals(List.of("relu0", "F_1_1_Relu"), net.layer("RDB_Concat_1_1").inputs());
    assertEquals(List.of("LFF_1", "relu0"), net.layer("LRL_1").inputs());
    assertEquals(edited.network().layers().stream().map(Layer::toString).toList(),
        net.layers().stream().map(Layer::toString).toList());
    Map<?, ?> keras = (Map<?, ?>) net.layer("relu0").attr("keras");
    assertEquals("Activation", keras.get("class_name"));
    // untouched layers keep their stored Keras objects
    assertEquals(original.network().layer("F_m1"), net.layer("F_m1"));
    assertEquals(original.network().layer("SR"), net.layer("SR"));
    assertTensorsEqual(original, back);
  }

  @Test void sequentialThatStopsBeingAChainBecomesAModel(@TempDir Path dir)
      throws IOException {
    Path src = Files.createDirectories(dir.resolve("src"));
    Path model = TfjsFiles.write(src, "model.json", TfjsFiles.MLP);
    TfjsFiles.write(src, "group1-shard1of1.bin", TfjsFiles.floats(TfjsFiles.MLP_VALUES, 5));
    ModelContent original = TfjsFiles.importModel(model);
    List<Layer> layers = new ArrayList<>(original.network().layers());
    layers.add(new Layer("sum", "ELTWISE", Map.of("op", "SUM"), List.of("dense_1", "dense_2")));
    // dense_1 (3 units) and dense_2 (2 units) could not really be added; only the wiring counts
    ModelContent edited = new ModelContent(original.network().withLayers(layers),
        original.tensors());
    ModelContent back = TfjsFiles.roundTrip(edited, dir.resolve("out"));
    JsonNode topology = TfjsImporter.parseJson(dir.resolve("out/model.json"))
        .get("modelTopology").get("model_config");
    assertEquals("Model", topology.get("class_name").asText());
    assertEquals("[[\"sum\",0,0]]", topology.get("config").get("output_layers").toString());
    assertEquals("[[\"dense_1_input\",0,0]]",
        topology.get("config").get("input_layers").toString());
    assertEquals(List.of("dense_1_input:INPUT[]", "dense_1:FC[dense_1_input]",
        "dropout_1:DROPOUT[dense_1]", "dense_2:FC[dropout_1]", "sum:ELTWISE[dense_1, dense_2]"),
        back.network().layers().stream().map(Layer::toString).toList());
    assertTensorsEqual(original, back);
  }

  @Test void foreignLayerWithoutKerasConfigIsRefused(@TempDir Path dir) {
    Network caffeLike = new Network("lenet", List.of(
        new Layer("data", "INPUT", Map.of("shape", List.of(1, 1, 28, 28)), List.of()),
        new Layer("conv1", "CONV", Map.of("filters", 2, "kernel", List.of(1, 1)),
            List.of("data")),
        new Layer("relu1", "RELU", Map.of(), List.of("conv1"))), Map.of());
    ModelContent content = new ModelContent(caffeLike, List.of(
        Tensor.ofFloats("conv1/W", new long[] {2, 1, 1, 1}, new float[] {1, 2})));
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> new TfjsExporter().write(content, dir));
    assertTrue(e.getMessage().contains("'conv1'"), e.getMessage());
    assertTrue(e.getMessage().contains("CONV"), e.getMessage());
    assertEquals(0, dir.toFile().list().length, "nothing written");
  }

  @Test void parameterFreeForeignNetworkExports(@TempDir Path dir) throws IOException {
    Map<String, Object> pool = new LinkedHashMap<>();
    pool.put("method", "MAX");
    pool.put("kernel", List.of(2, 2));
    pool.put("stride", List.of(2, 2));
    pool.put("pad", "valid");
    Network net = new Network("plain", List.of(
        new Layer("data", "INPUT", Map.of("shape", List.of(-1, 8, 8, 3)), List.of()),
        new Layer("pool", "POOL", pool, List.of("data")),
        new Layer("flat", "FLATTEN", Map.of(), List.of("pool")),
        new Layer("prob", "SOFTMAX", Map.of(), List.of("flat"))), Map.of());
    ModelContent back = TfjsFiles.roundTrip(new ModelContent(net, List.of()), dir);
    assertEquals(List.of("data:INPUT[]", "pool:POOL[data]", "flat:FLATTEN[pool]",
        "prob:SOFTMAX[flat]"), back.network().layers().stream().map(Layer::toString).toList());
    assertEquals(List.of(-1, 8, 8, 3), back.network().layer("data").attr("shape"));
    assertEquals("MAX", back.network().layer("pool").attr("method"));
    assertEquals(List.of(2, 2), back.network().layer("pool").attr("kernel"));
    JsonNode root = TfjsImporter.parseJson(dir.resolve("model.json"));
    assertEquals("layers-model", root.get("format").asText());
    assertEquals(0, Files.size(dir.resolve("group1-shard1of1.bin")));
  }

  @Test void tensorWithoutTfjsDtypeIsRefused(@TempDir Path dir) throws IOException {
    ModelContent original = TfjsFiles.importWeights(corpus(TfjsFiles.FACE_MANIFEST));
    List<Tensor> tensors = new ArrayList<>(original.tensors());
    tensors.add(new Tensor("conv8/extra", DType.INT64, new long[] {1},
        java.nio.ByteBuffer.allocate(8)));
    ModelHubException e = assertThrows(ModelHubException.class, () -> new TfjsExporter()
        .write(new ModelContent(original.network(), tensors), dir));
    assertTrue(e.getMessage().contains("'conv8/extra'") && e.getMessage().contains("int64"),
        e.getMessage());
  }

  static void assertSameContent(ModelContent expected, ModelContent actual) {
    assertEquals(NetworkJson.toJson(expected.network(), true),
        NetworkJson.toJson(actual.network(), true));
    assertEquals(expected.network(), actual.network());
    assertTensorsEqual(expected, actual);
  }

  static void assertTensorsEqual(ModelContent expected, ModelContent actual) {
    assertEquals(expected.tensors().stream().map(Tensor::toString).toList(),
        actual.tensors().stream().map(Tensor::toString).toList());
    for (int i = 0; i < expected.tensors().size(); i++) {
      Tensor a = expected.tensors().get(i);
      Tensor b = actual.tensors().get(i);
      assertEquals(a.sha256(), b.sha256(), a.name());
      assertArrayEquals(a.shape(), b.shape(), a.name());
    }
  }
}
