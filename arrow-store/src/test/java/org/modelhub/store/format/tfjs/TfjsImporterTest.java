package org.modelhub.store.format.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.modelhub.store.format.tfjs.TfjsFiles.corpus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Imports real and hand-written TF.js layers-models. */
class TfjsImporterTest {
  private static final List<String> ESRGAN_EDGES = List.of("LR->F_m1", "F_m1->F_0",
      "F_0->F_1_1", "F_1_1->F_1_1_Relu", "F_0->RDB_Concat_1_1", "F_1_1_Relu->RDB_Concat_1_1",
      "RDB_Concat_1_1->LFF_1", "LFF_1->LRL_1", "F_0->LRL_1", "LRL_1->F_2_1",
      "F_2_1->F_2_1_Relu", "LRL_1->RDB_Concat_2_1", "F_2_1_Relu->RDB_Concat_2_1",
      "RDB_Concat_2_1->LFF_2", "LFF_2->LRL_2", "LRL_1->LRL_2", "LRL_1->LRLs_Concat",
      "LRL_2->LRLs_Concat", "LRLs_Concat->GFF_1", "GFF_1->GFF_2", "GFF_2->FDF", "F_m1->FDF",
      "FDF->UPN1", "UPN1->UPN1_Relu", "UPN1_Relu->UPN2", "UPN2->UPN2_Relu",
      "UPN2_Relu->UPN3", "UPN3->UPsample", "UPsample->SR");

  private static final List<String> ESRGAN_WEIGHTS = List.of("F_0/kernel [3,3,64,64]",
      "F_0/bias [64]", "F_1_1/kernel [3,3,64,4]", "F_1_1/bias [4]", "F_2_1/kernel [3,3,64,4]",
      "F_2_1/bias [4]", "F_m1/kernel [3,3,3,64]", "F_m1/bias [64]",
      "GFF_1/kernel [1,1,128,64]", "GFF_1/bias [64]", "GFF_2/kernel [3,3,64,64]",
      "GFF_2/bias [64]", "LFF_1/kernel [1,1,68,64]", "LFF_1/bias [64]",
      "LFF_2/kernel [1,1,68,64]", "LFF_2/bias [64]", "SR/kernel [3,3,12,3]", "SR/bias [3]",
      "UPN1/kernel [5,5,64,64]", "UPN1/bias [64]", "UPN2/kernel [3,3,64,32]", "UPN2/bias [32]",
      "UPN3/kernel [3,3,32,12]", "UPN3/bias [12]");

  @Test void esrganLayers() throws IOException {
    Network net = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN)).network();
    assertEquals("generator", net.name());
    assertEquals(24, net.layers().size());

    Layer input = net.layer("LR");
    assertEquals("INPUT", input.type());
    assertEquals(List.of(-1, -1, -1, 3), input.attr("shape"));
    assertEquals(List.of(), input.inputs());

    Layer conv = net.layer("F_m1");
    assertEquals("CONV", conv.type());
    assertEquals(64, conv.attr("filters"));
    assertEquals(List.of(3, 3), conv.attr("kernel"));
    assertEquals(List.of(1, 1), conv.attr("stride"));
    assertEquals("same", conv.attr("pad"));
    assertEquals(List.of(1, 1), conv.attr("dilation"));
    assertEquals(1, conv.attr("group"));
    assertEquals(true, conv.attr("bias"));
    assertFalse(conv.attrs().containsKey("activation"), "linear is no fused activation");
    Map<?, ?> keras = (Map<?, ?>) conv.attr("keras");
    assertEquals("Conv2D", keras.get("class_name"));
    assertEquals("F_m1", ((Map<?, ?>) keras.get("config")).get("name"));
    assertEquals(List.of(List.of(List.of("LR", 0, 0, Map.of()))), keras.get("inbound_nodes"));

    Layer lff = net.layer("LFF_1");
    assertEquals(List.of(1, 1), lff.attr("kernel"));
    assertEquals("valid", lff.attr("pad"));
    assertEquals(4, net.layer("F_1_1").attr("filters"));
    assertEquals(List.of(5, 5), net.layer("UPN1").attr("kernel"));
    assertEquals(3, net.layer("SR").attr("filters"));

    assertEquals("RELU", net.layer("F_1_1_Relu").type());
    Layer concat = net.layer("RDB_Concat_1_1");
    assertEquals("CONCAT", concat.type());
    assertEquals(3, concat.attr("axis"));
    assertEquals(List.of("F_0", "F_1_1_Relu"), concat.inputs());
    Layer add = net.layer("LRL_1");
    assertEquals("ELTWISE", add.type());
    assertEquals("SUM", add.attr("op"));
    assertEquals(List.of("LFF_1", "F_0"), add.inputs());
    assertEquals("UPSAMPLE", net.layer("UPsample").type());

    assertEquals(12, net.layers().stream().filter(l -> l.type().equals("CONV")).count());
    assertEquals(4, net.layers().stream().filter(l -> l.type().equals("RELU")).count());
    assertEquals(3, net.layers().stream().filter(l -> l.type().equals("ELTWISE")).count());
  }

  @Test void esrganEdges() throws IOException {
    Network net = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN)).network();
    List<String> edges = new ArrayList<>();
    for (Layer l : net.layers()) {
      l.inputs().forEach(in -> edges.add(in + "->" + l.name()));
    }
    assertEquals(ESRGAN_EDGES, edges);
    assertEquals(29, net.edgeCount());
    assertEquals(List.of("F_0", "FDF"),
        net.successors("F_m1").stream().map(Layer::name).toList());
  }

  @Test void esrganNetworkAttrsKeepTheModelJson() throws IOException {
    Network net = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN)).network();
    Map<?, ?> tfjs = (Map<?, ?>) net.attrs().get("tfjs");
    assertEquals("layers-model", tfjs.get("format"));
    assertEquals("keras v2.10.0", tfjs.get("generatedBy"));
    assertEquals("TensorFlow.js Converter v1.2.6", tfjs.get("convertedBy"));
    Map<?, ?> topology = (Map<?, ?>) tfjs.get("modelTopology");
    assertEquals("2.10.0", topology.get("keras_version"));
    assertEquals("tensorflow", topology.get("backend"));
    Map<?, ?> config = (Map<?, ?>) ((Map<?, ?>) topology.get("model_config")).get("config");
    assertFalse(config.containsKey("layers"), "layers live in the network, not twice");
    assertEquals(List.of(List.of("SR", 0, 0)), config.get("output_layers"));
    List<?> groups = (List<?>) tfjs.get("weightsManifest");
    assertEquals(1, groups.size());
    assertEquals(24, ((List<?>) ((Map<?, ?>) groups.get(0)).get("weights")).size());
  }

  @Test void esrganTensorsAreTheShardSlices() throws IOException {
    ModelContent content = TfjsFiles.importModel(corpus(TfjsFiles.ESRGAN));
    List<String> described = content.tensors().stream()
        .map(t -> t.name() + " " + Tensor.shapeString(t.shape())).toList();
    assertEquals(ESRGAN_WEIGHTS, described);
    byte[] shard = Files.readAllBytes(corpus(TfjsFiles.ESRGAN_SHARD));
    int offset = 0;
    for (Tensor t : content.tensors()) {
      assertEquals(DType.FLOAT32, t.dtype());
      int n = Math.toIntExact(t.numBytes());
      assertEquals(Hashing.sha256Hex(Arrays.copyOfRange(shard, offset, offset + n)),
          t.sha256(), t.name());
      offset += n;
    }
    assertEquals(shard.length, offset);
    assertEquals(888300 / 4, content.numParams());
    float first = ByteBuffer.wrap(shard).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    assertEquals(first, content.tensors().get(0).toFloats()[0]);
  }

  @Test void sequentialModelIsAChainFromItsInput(@TempDir Path dir) throws IOException {
    Path model = TfjsFiles.write(dir, "model.json", TfjsFiles.MLP);
    byte[] weights = TfjsFiles.floats(TfjsFiles.MLP_VALUES, 7);
    TfjsFiles.write(dir, "group1-shard1of1.bin", weights);
    ModelContent content = TfjsFiles.importModel(model);
    Network net = content.network();
    assertEquals("mlp", net.name());
    assertEquals(List.of("dense_1_input:INPUT[]", "dense_1:FC[dense_1_input]",
        "dropout_1:DROPOUT[dense_1]", "dense_2:FC[dropout_1]"),
        net.layers().stream().map(Layer::toString).toList());
    assertEquals(List.of(-1, 4), net.layer("dense_1_input").attr("shape"));
    assertEquals(Map.of("shape", List.of(-1, 4)), net.layer("dense_1_input").attrs());
    assertEquals(3, net.layer("dense_1").attr("units"));
    assertEquals(true, net.layer("dense_1").attr("bias"));
    assertEquals("RELU", net.layer("dense_1").attr("activation"));
    assertEquals(0.25, net.layer("dropout_1").attr("ratio"));
    assertEquals("SOFTMAX", net.layer("dense_2").attr("activation"));
    assertEquals(3, net.edgeCount());

    assertEquals(List.of("dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"),
        content.tensors().stream().map(Tensor::name).toList());
    assertArrayEquals(new long[] {4, 3}, content.tensors().get(0).shape());
    ByteBuffer all = ByteBuffer.allocate(weights.length);
    content.tensors().forEach(t -> all.put(t.data()));
    assertArrayEquals(weights, all.array());
    Map<?, ?> topology = (Map<?, ?>) ((Map<?, ?>) net.attrs().get("tfjs")).get("modelTopology");
    assertEquals(Map.of("loss", "categorical_crossentropy", "metrics", List.of("accuracy")),
        topology.get("training_config"));
  }

  @Test void keras2ListFormSequential(@TempDir Path dir) throws IOException {
    // Keras 2.0 wrote a Sequential's config as a bare list; TF.js keeps modelTopology flat
    String json = """
        {"modelTopology": {"class_name": "Sequential", "keras_version": "tfjs-layers 1.0",
          "backend": "tensor_flow.js", "config": [
           {"class_name": "Conv2D", "config": {"name": "c", "batch_input_shape": [null, 8, 8, 1],
            "filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid",
            "activation": "tanh", "use_bias": false}},
           {"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [2, 2],
            "strides": null, "padding": "valid"}},
           {"class_name": "Flatten", "config": {"name": "f"}}]},
         "weightsManifest": [{"paths": ["w.bin"], "weights": [
           {"name": "c/kernel", "shape": [3, 3, 1, 2], "dtype": "float32"}]}]}
        """;
    Path model = TfjsFiles.write(dir, "model.json", json);
    TfjsFiles.write(dir, "w.bin", TfjsFiles.floats(18, 1));
    Network net = TfjsFiles.importModel(model).network();
    assertEquals("model", net.name());
    assertEquals(List.of("c_input:INPUT[]", "c:CONV[c_input]", "p:POOL[c]", "f:FLATTEN[p]"),
        net.layers().stream().map(Layer::toString).toList());
    assertEquals(List.of(3, 3), net.layer("c").attr("kernel"));
    assertEquals(List.of(2, 2), net.layer("c").attr("stride"));
    assertEquals(false, net.layer("c").attr("bias"));
    assertEquals("TANH", net.layer("c").attr("activation"));
    assertEquals("MAX", net.layer("p").attr("method"));
    assertEquals(List.of(2, 2), net.layer("p").attr("stride"), "strides default to pool size");
  }

  @Test void keras3DictInboundNodes(@TempDir Path dir) throws IOException {
    String json = """
        {"format": "layers-model", "modelTopology": {"class_name": "Functional", "config": {
          "name": "k3", "layers": [
           {"module": "keras.layers", "class_name": "InputLayer", "config": {
             "batch_shape": [null, 5], "dtype": "float32", "name": "x"},
            "name": "x", "inbound_nodes": []},
           {"class_name": "Dense", "config": {"name": "a", "units": 5, "use_bias": true,
             "activation": {"module": "keras.activations", "class_name": "function",
                            "config": "sigmoid"}},
            "name": "a", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
             "config": {"shape": [null, 5], "dtype": "float32",
                        "keras_history": ["x", 0, 0]}}], "kwargs": {}}]},
           {"class_name": "Concatenate", "config": {"name": "cat", "axis": -1},
            "name": "cat", "inbound_nodes": [{"args": [[
             {"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}},
             {"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}]],
             "kwargs": {}}]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["cat", 0, 0]]}},
         "weightsManifest": [{"paths": ["w.bin"], "weights": [
           {"name": "a/kernel", "shape": [5, 5], "dtype": "float32"},
           {"name": "a/bias", "shape": [5], "dtype": "float32"}]}]}
        """;
    Path model = TfjsFiles.write(dir, "model.json", json);
    TfjsFiles.write(dir, "w.bin", TfjsFiles.floats(30, 2));
    Network net = TfjsFiles.importModel(model).network();
    assertEquals(List.of("x:INPUT[]", "a:FC[x]", "cat:CONCAT[x, a]"),
        net.layers().stream().map(Layer::toString).toList());
    assertEquals(List.of(-1, 5), net.layer("x").attr("shape"));
    assertEquals("SIGMOID", net.layer("a").attr("activation"));
    assertEquals(-1, net.layer("cat").attr("axis"));
  }

  @Test void weightGroupSpanningTwoShards(@TempDir Path dir) throws IOException {
    String json = TfjsFiles.MLP.replace("[\"group1-shard1of1.bin\"]",
        "[\"group1-shard1of2.bin\", \"group1-shard2of2.bin\"]");
    Path model = TfjsFiles.write(dir, "model.json", json);
    byte[] weights = TfjsFiles.floats(TfjsFiles.MLP_VALUES, 3);
    // the cut falls inside dense_1/kernel, as converters cut at a byte budget
    TfjsFiles.write(dir, "group1-shard1of2.bin", Arrays.copyOfRange(weights, 0, 30));
    TfjsFiles.write(dir, "group1-shard2of2.bin",
        Arrays.copyOfRange(weights, 30, weights.length));
    ModelContent content = TfjsFiles.importModel(model);
    ByteBuffer all = ByteBuffer.allocate(weights.length);
    content.tensors().forEach(t -> all.put(t.data()));
    assertArrayEquals(weights, all.array());
  }

  @Test void quantizedWeightsKeepTheirCodes() throws IOException {
    ModelContent content = TfjsFiles.importWeights(corpus(TfjsFiles.FACE_MANIFEST));
    assertEquals(19, content.tensors().size());
    Tensor filters = content.tensors().get(0);
    assertEquals("conv0/filters", filters.name());
    assertEquals(DType.UINT8, filters.dtype());
    assertArrayEquals(new long[] {3, 3, 3, 16}, filters.shape());
    byte[] bin = Files.readAllBytes(corpus(TfjsFiles.FACE_BIN));
    assertEquals(Hashing.sha256Hex(Arrays.copyOfRange(bin, 0, 432)), filters.sha256());
    assertEquals(bin.length, content.rawBytes());

    Network net = content.network();
    assertEquals("weights", net.name());
    assertEquals(List.of("conv0", "conv1", "conv2", "conv3", "conv4", "conv5", "conv8"),
        net.layers().stream().map(Layer::name).toList());
    assertTrue(net.layers().stream().allMatch(l -> l.type().equals(TfjsImporter.PARAMS)));
    Map<?, ?> entry = (Map<?, ?>) ((List<?>) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) net.attrs()
        .get("tfjs")).get("weightsManifest")).get(0)).get("weights")).get(0);
    assertEquals(Map.of("dtype", "uint8", "scale", 0.009007044399485869,
        "min", -1.2069439495311063), entry.get("quantization"));
  }

  @Test void weightsOnTopOfABaseNetwork() throws IOException {
    ModelContent first = TfjsFiles.importWeights(corpus(TfjsFiles.FACE_MANIFEST));
    Path manifest = corpus(TfjsFiles.FACE_MANIFEST);
    ModelContent again = new TfjsImporter().read(
        ImportInput.of(manifest, FileRole.WEIGHTS).withBase(first.network()));
    assertEquals(first.network(), again.network());
    assertEquals(first.tensors().get(5).sha256(), again.tensors().get(5).sha256());
  }

  @Test void recognizesModelsAndManifestsOnly(@TempDir Path dir) throws IOException {
    TfjsImporter imp = new TfjsImporter();
    assertEquals(Optional.of(FileRole.MODEL), imp.recognize(corpus(TfjsFiles.ESRGAN)));
    assertEquals(Optional.of(FileRole.WEIGHTS), imp.recognize(corpus(TfjsFiles.FACE_MANIFEST)));
    assertEquals(Optional.empty(), imp.recognize(corpus(TfjsFiles.ESRGAN_SHARD)));
    assertEquals(Optional.empty(),
        imp.recognize(corpus("keras/keras2_mnist_cnn_tf_config.json")));
    assertEquals(Optional.empty(), imp.recognize(TfjsFiles.write(dir, "net.json",
        "{\"format\": \"modelhub-network\", \"layers\": [], \"modelTopology\": 1}")));
    assertEquals(Optional.empty(), imp.recognize(TfjsFiles.write(dir, "list.json", "[1, 2]")));
    assertEquals(Optional.empty(), imp.recognize(TfjsFiles.write(dir, "bad.json", "{\"a\": ")));
    // the manifest may come first, and a broken file that says it is TF.js is ours to report
    assertEquals(Optional.of(FileRole.MODEL), imp.recognize(TfjsFiles.write(dir, "m.json",
        "{\"weightsManifest\": [], \"x\": {\"y\": [1]}, \"modelTopology\": null}")));
    assertEquals(Optional.of(FileRole.MODEL), imp.recognize(TfjsFiles.write(dir, "b.json",
        "{\"modelTopology\": {\"class_name\": \"Sequential\"}, \"weightsManifest\": [,")));
    Path notJson = TfjsFiles.write(dir, "model.txt", TfjsFiles.MLP);
    assertEquals(Optional.empty(), imp.recognize(notJson));
  }

  @Test void checkValidatesWithoutReadingWeights(@TempDir Path dir) throws IOException {
    new TfjsImporter().check(corpus(TfjsFiles.ESRGAN), FileRole.MODEL);
    new TfjsImporter().check(corpus(TfjsFiles.FACE_MANIFEST), FileRole.WEIGHTS);
  }

  @Test void registeredForServiceLoader() {
    assertInstanceOf(TfjsImporter.class, Formats.get().importer("tfjs"));
    assertInstanceOf(TfjsExporter.class, Formats.get().exporter("tfjs"));
  }
}
