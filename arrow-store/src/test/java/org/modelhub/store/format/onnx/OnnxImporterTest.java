package org.modelhub.store.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.onnx.proto.OnnxProto.AttributeProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.GraphProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.ModelProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Imports the ONNX corpus models and hand-built graphs, and rejects broken files. */
class OnnxImporterTest {
  private final OnnxImporter importer = new OnnxImporter();

  static ModelContent read(String corpusFile) throws IOException {
    Path p = Corpus.path(corpusFile);
    return new OnnxImporter().read(ImportInput.of(p, FileRole.MODEL));
  }

  static List<Layer> ofType(Network n, String type) {
    return n.layers().stream().filter(l -> l.type().equals(type)).collect(Collectors.toList());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> onnx(Layer l) {
    return (Map<String, Object>) l.attr("onnx");
  }

  @Test void registeredAndRecognisesOnnxFiles() throws IOException {
    assertInstanceOf(OnnxImporter.class, Formats.get().importer("onnx"));
    assertInstanceOf(OnnxExporter.class, Formats.get().exporter("onnx"));
    Path alexnet = Corpus.path("onnx/light_bvlc_alexnet.onnx");
    assertEquals(Optional.of(FileRole.MODEL), importer.recognize(alexnet));
    assertEquals(Optional.empty(), importer.recognize(Corpus.path("onnx/onnx.proto")));
    importer.check(alexnet, FileRole.MODEL);
  }

  @Test void alexnetImportsItsRealArchitecture() throws IOException {
    Network n = read("onnx/light_bvlc_alexnet.onnx").network();
    assertEquals("bvlc_alexnet", n.name());
    List<Layer> convs = ofType(n, "CONV");
    assertEquals(5, convs.size());
    assertEquals(3, ofType(n, "FC").size());
    assertEquals(2, ofType(n, "LRN").size());
    assertEquals(3, ofType(n, "POOL").size());
    assertEquals(7, ofType(n, "RELU").size());
    assertEquals(16, ofType(n, "CONSTANTOFSHAPE").size());

    Layer input = n.layer("data_0");
    assertEquals("INPUT", input.type());
    assertEquals(List.of(1, 3, 224, 224), input.attr("shape"));
    // initializers listed as graph inputs (IR 3) are parameters, not INPUT layers
    assertEquals(1, ofType(n, "INPUT").size());

    Layer conv1 = n.layer("n0");
    assertEquals(96, conv1.attr("filters"));
    assertEquals(List.of(11, 11), conv1.attr("kernel"));
    assertEquals(List.of(4, 4), conv1.attr("stride"));
    assertEquals(List.of(0, 0), conv1.attr("pad"));
    assertEquals(true, conv1.attr("bias"));
    assertEquals("data_0", conv1.inputs().get(0));
    assertEquals(List.of("data_0", "constantofshape_1", "constantofshape_0"), conv1.inputs());
    assertEquals(2, n.layer("n4").attr("group"));
    assertEquals(List.of(4096, 4096, 1000),
        ofType(n, "FC").stream().map(l -> l.attr("units")).collect(Collectors.toList()));
    Layer lrn = n.layer("n2");
    assertEquals(5, lrn.attr("size"));
    assertEquals(1.0E-4, lrn.attr("alpha"));
    assertEquals(0.75, lrn.attr("beta"));
    assertEquals(1.0, lrn.attr("k"));
    Layer pool = n.layer("n3");
    assertEquals("MAX", pool.attr("method"));
    assertEquals(List.of(3, 3), pool.attr("kernel"));
    // asymmetric padding keeps ONNX's begin/end list
    assertEquals(List.of(0, 0, 1, 1), n.layer("n14").attr("pad"));
    assertEquals(List.of(1, 9216), n.layer("n15").attr("shape"));
    assertEquals(0.5, n.layer("n18").attr("ratio"));
    assertEquals("DROPOUT", n.layer("n18").type());
    assertEquals("Conv", onnx(conv1).get("op_type"));
    assertEquals(List.of("data_0", "conv1_w_0", "conv1_b_0"), onnx(conv1).get("inputs"));
  }

  @Test void alexnetShapeInitializersAreWeightsOfTheirConstantOfShapeLayers()
      throws IOException {
    ModelContent c = read("onnx/light_bvlc_alexnet.onnx");
    Tensor shape = c.tensorMap().get("constantofshape_1/conv1_w_0__SHAPE");
    assertNotNull(shape, c.tensorMap().keySet().toString());
    assertEquals(DType.INT64, shape.dtype());
    assertArrayEquals(new long[] {4}, shape.shape());
    assertEquals(96.0, shape.valueAt(0));
    assertEquals(11.0, shape.valueAt(3));
    Tensor fill = c.tensorMap().get("constantofshape_1/value");
    assertEquals(DType.FLOAT32, fill.dtype());
    assertEquals(0.02f, (float) fill.valueAt(0));
    // the Reshape's target shape initializer belongs to the Reshape layer
    assertNotNull(c.tensorMap().get("n15/OC2_DUMMY_1"));
    assertTrue(c.tensors().stream().allMatch(t -> c.network().hasLayer(t.layer())));
  }

  @Test void vgg19HasSixteenConvolutions() throws IOException {
    Network n = read("onnx/light_vgg19.onnx").network();
    assertEquals(16, ofType(n, "CONV").size());
    assertEquals(3, ofType(n, "FC").size());
    assertEquals(5, ofType(n, "POOL").size());
    assertEquals(2, ofType(n, "DROPOUT").size());
    assertEquals(1, ofType(n, "SOFTMAX").size());
    assertTrue(ofType(n, "CONV").stream().allMatch(l -> l.attr("kernel").equals(List.of(3, 3))));
  }

  @Test void squeezenetHasFireConcatsAndGlobalPool() throws IOException {
    Network n = read("onnx/light_squeezenet.onnx").network();
    List<Layer> concats = ofType(n, "CONCAT");
    assertEquals(8, concats.size());
    for (Layer c : concats) {
      assertEquals(2, c.inputs().size(), c.name());
      assertTrue(c.inputs().stream().allMatch(i -> n.layer(i).type().equals("RELU")));
    }
    assertEquals(26, ofType(n, "CONV").size());
    List<Layer> global = ofType(n, "POOL").stream().filter(l -> Boolean.TRUE.equals(
        l.attr("global"))).collect(Collectors.toList());
    assertEquals(1, global.size());
    assertEquals("AVG", global.get(0).attr("method"));
  }

  @Test void inceptionHasConcatsOverFourBranches() throws IOException {
    Network n = read("onnx/light_inception_v1.onnx").network();
    List<Layer> concats = ofType(n, "CONCAT");
    assertEquals(9, concats.size());
    assertTrue(concats.stream().allMatch(c -> c.inputs().size() == 4));
    assertEquals(57, ofType(n, "CONV").size());
    List<Layer> fc = ofType(n, "FC");
    assertEquals(1, fc.size());
    // the weight is a reshaped ConstantOfShape output; its shape is still worked out
    assertEquals(1000, fc.get(0).attr("units"));
    assertTrue(ofType(n, "POOL").stream().anyMatch(l -> "AVG".equals(l.attr("method"))));
  }

  @Test void mnistCnnKeepsItsTrainedWeights() throws IOException {
    Path file = Corpus.path("onnx/output_cnn_mnist.onnx");
    ModelContent c = importer.read(file);
    Network n = c.network();
    assertEquals("torch_jit", n.name());
    assertEquals(List.of(10, 1, 28, 28), n.layer("input.1").attr("shape"));
    Map<String, Tensor> t = c.tensorMap();
    assertArrayEquals(new long[] {16, 1, 5, 5}, t.get("Conv_0/W").shape());
    assertArrayEquals(new long[] {16}, t.get("Conv_0/b").shape());
    assertArrayEquals(new long[] {32, 16, 5, 5}, t.get("Conv_3/W").shape());
    assertArrayEquals(new long[] {32}, t.get("Conv_3/b").shape());
    assertArrayEquals(new long[] {10, 1568}, t.get("Gemm_14/W").shape());
    assertArrayEquals(new long[] {10}, t.get("Gemm_14/b").shape());
    assertEquals(DType.FLOAT32, t.get("Gemm_14/W").dtype());
    assertEquals(10, n.layer("Gemm_14").attr("units"));
    assertEquals(32, n.layer("Conv_3").attr("filters"));
    assertEquals(List.of("MaxPool_2"), n.layer("Conv_3").inputs());
    assertEquals(Map.of("W", "conv1.0.weight", "b", "conv1.0.bias"),
        onnx(n.layer("Conv_0")).get("params"));
    // the values are the file's raw_data bytes, read independently here
    ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
    for (TensorProto init : m.getGraph().getInitializerList()) {
      String owner = init.getName().startsWith("conv1") ? "Conv_0"
          : init.getName().startsWith("conv2") ? "Conv_3" : "Gemm_14";
      String param = init.getName().endsWith("weight") ? "W" : "b";
      assertEquals(Hashing.sha256Hex(init.getRawData().toByteArray()),
          t.get(owner + "/" + param).sha256(), init.getName());
    }
    assertEquals(6 + 4, c.tensors().size());
    Layer constant = n.layer("Constant_6");
    assertEquals("CONSTANT", constant.type());
    assertEquals(DType.INT64, t.get("Constant_6/value").dtype());
    assertEquals(List.of("Constant_6", "Constant_8"), n.layer("Unsqueeze_9").inputs());
    assertEquals("LOGSOFTMAX", n.layer("LogSoftmax_15").type());
  }

  /** A graph with operators, dtypes and storage fields the corpus does not have. */
  static ModelProto syntheticModel() {
    GraphProto.Builder g = GraphProto.newBuilder().setName("synthetic")
        .addInput(OnnxTestModels.input("x", 1, 3, 8, 8));
    g.addInitializer(OnnxTestModels.floats("w", new long[] {4, 3, 3, 3}, false));
    g.addInitializer(OnnxTestModels.floats("bn.scale", new long[] {4}, true));
    g.addInitializer(OnnxTestModels.floats("bn.bias", new long[] {4}, true));
    g.addInitializer(OnnxTestModels.floats("bn.mean", new long[] {4}, false));
    g.addInitializer(OnnxTestModels.doubles("bn.var", new long[] {4}));
    g.addInitializer(OnnxTestModels.floats("fc/w", new long[] {16, 5}, false));
    g.addInitializer(TensorProto.newBuilder().setName("q").setDataType(3).addDims(3)
        .addInt32Data(-128).addInt32Data(0).addInt32Data(127).build());
    g.addInitializer(TensorProto.newBuilder().setName("half").setDataType(10).addDims(2)
        .addInt32Data(0x3c00).addInt32Data(0xc000).build());
    g.addInitializer(TensorProto.newBuilder().setName("flags").setDataType(9).addDims(2)
        .setRawData(ByteString.copyFrom(new byte[] {1, 0})).build());
    g.addInitializer(TensorProto.newBuilder().setName("unused").setDataType(6).addDims(2)
        .addInt32Data(7).addInt32Data(-7).build());
    g.addInitializer(TensorProto.newBuilder().setName("names").setDataType(8).addDims(1)
        .addStringData(ByteString.copyFromUtf8("kept whole")).build());
    g.addNode(OnnxTestModels.node("Conv", "", List.of("x", "w"), List.of("c"),
        OnnxTestModels.ints("kernel_shape", 3, 3), OnnxTestModels.ints("pads", 1, 1, 1, 1)));
    g.addNode(OnnxTestModels.node("BatchNormalization", "bn",
        List.of("c", "bn.scale", "bn.bias", "bn.mean", "bn.var"), List.of("n"),
        AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT)
            .setF(1e-5f).build()));
    g.addNode(OnnxTestModels.node("LeakyRelu", "", List.of("n"), List.of("a"),
        AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
            .setF(0.1f).build()));
    g.addNode(OnnxTestModels.node("Sigmoid", "", List.of("n"), List.of("s")));
    g.addNode(OnnxTestModels.node("Add", "sum", List.of("a", "s"), List.of("y")));
    g.addNode(OnnxTestModels.node("GlobalMaxPool", "gmp", List.of("y"), List.of("p")));
    g.addNode(OnnxTestModels.node("Flatten", "flat", List.of("p"), List.of("f")));
    g.addNode(OnnxTestModels.node("MatMul", "fc", List.of("f", "fc/w"), List.of("m")));
    g.addNode(OnnxTestModels.node("Mul", "", List.of("m", "m"), List.of("sq")));
    g.addNode(OnnxTestModels.node("QuantizeLike", "custom", List.of("sq", "q", "half", "flags",
        "names", "bn.scale"), List.of("out"),
        AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING)
            .setS(ByteString.copyFromUtf8("nearest")).build(),
        AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH)
            .setG(GraphProto.newBuilder().setName("inner").addNode(OnnxTestModels.node(
                "Identity", "", List.of("out"), List.of("inner_out")))).build()));
    g.getNodeBuilder(g.getNodeCount() - 1).setDomain("com.example");
    g.addNode(OnnxTestModels.node("Relu", "sum", List.of("m"), List.of("r")));
    g.addOutput(OnnxTestModels.input("out", 1, 16));
    g.addOutput(OnnxTestModels.input("r", 1, 16));
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
        .addOpsetImport(OnnxTestModels.opset("", 13))
        .addOpsetImport(OnnxTestModels.opset("com.example", 1)).setGraph(g).build();
  }

  @Test void syntheticGraphImports(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("synthetic.onnx");
    Files.write(file, syntheticModel().toByteArray());
    ModelContent c = importer.read(file);
    Network n = c.network();
    Map<String, Tensor> t = c.tensorMap();

    Layer conv = n.layer("conv_0");
    assertEquals("CONV", conv.type());
    assertEquals(4, conv.attr("filters"));
    assertEquals(false, conv.attr("bias"));
    assertEquals(List.of(1, 1), conv.attr("pad"));

    Layer bn = n.layer("bn");
    assertEquals("BATCHNORM", bn.type());
    assertEquals(1.0E-5, bn.attr("eps"));
    assertEquals(List.of("conv_0"), bn.inputs());
    assertEquals(DType.FLOAT64, t.get("bn/var").dtype());
    assertEquals(DType.FLOAT32, t.get("bn/scale").dtype());
    assertNotNull(t.get("bn/B"));
    assertNotNull(t.get("bn/mean"));

    assertEquals("LEAKYRELU", n.layer("leakyrelu_2").type());
    Layer sum = n.layer("sum");
    assertEquals("ELTWISE", sum.type());
    assertEquals("SUM", sum.attr("op"));
    assertEquals(List.of("leakyrelu_2", "sigmoid_3"), sum.inputs());
    // a second node named "sum" gets a unique layer name, the node keeps its own
    Layer relu = n.layer("sum_1");
    assertEquals("RELU", relu.type());
    assertEquals("sum", onnx(relu).get("name"));

    Layer gmp = n.layer("gmp");
    assertEquals("POOL", gmp.type());
    assertEquals(true, gmp.attr("global"));
    assertEquals("MAX", gmp.attr("method"));

    Layer fc = n.layer("fc");
    assertEquals("FC", fc.type());
    assertEquals(5, fc.attr("units"));
    assertArrayEquals(new long[] {16, 5}, t.get("fc/W").shape());

    Layer square = n.layer("mul_8");
    assertEquals("PROD", square.attr("op"));
    assertEquals(List.of("fc"), square.inputs());

    Layer custom = n.layer("custom");
    assertEquals("QUANTIZELIKE", custom.type());
    assertEquals("com.example", onnx(custom).get("domain"));
    assertEquals(DType.INT8, t.get("custom/q").dtype());
    assertEquals(-128.0, t.get("custom/q").valueAt(0));
    assertEquals(127.0, t.get("custom/q").valueAt(2));
    assertEquals(DType.FLOAT16, t.get("custom/half").dtype());
    assertEquals(-2.0, t.get("custom/half").valueAt(1));
    assertEquals(DType.BOOL, t.get("custom/flags").dtype());
    // the string tensor cannot be a ModelHub tensor; it stays in the kept model
    assertFalse(t.keySet().stream().anyMatch(k -> k.endsWith("/names")));
    // an initializer shared with an earlier node stays that node's tensor
    assertEquals(Map.of("q", "q", "half", "half", "flags", "flags"),
        onnx(custom).get("params"));
    assertEquals(List.of("sq", "q", "half", "flags", "names", "bn.scale"),
        onnx(custom).get("inputs"));
    assertEquals(List.of("mul_8"), custom.inputs());
    List<?> attrs = (List<?>) onnx(custom).get("attributes");
    assertEquals(Map.of("name", "mode", "type", "STRING", "s", "nearest"), attrs.get(0));

    Layer rest = n.layer("initializers");
    assertEquals("CONSTANT", rest.type());
    Tensor unused = t.get("initializers/unused");
    assertEquals(DType.INT32, unused.dtype());
    assertEquals(-7.0, unused.valueAt(1));
  }

  @Test void corruptedFilesFailWithFormatExceptionsOnly(@TempDir Path dir) throws IOException {
    byte[] original = Files.readAllBytes(Corpus.path("onnx/output_cnn_mnist.onnx"));
    Random random = new Random(7);
    Path file = dir.resolve("mutated.onnx");
    int rejected = 0;
    for (int round = 0; round < 300; round++) {
      byte[] bytes = original.clone();
      for (int k = random.nextInt(4); k >= 0; k--) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      if (round % 5 == 0) {
        bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
      }
      Files.write(file, bytes);
      try {
        importer.read(file);
      } catch (FormatException e) {
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        rejected++;
      }
    }
    assertTrue(rejected > 60, "only " + rejected + " of 300 corrupted files rejected");
  }

  @Test void externalDataIsReadFromBesideTheModel(@TempDir Path dir) throws IOException {
    ModelProto m = OnnxTestModels.externalModel(dir, "weights.bin");
    Path file = dir.resolve("ext.onnx");
    Files.write(file, m.toByteArray());
    ModelContent c = importer.read(file);
    Tensor w = c.tensorMap().get("fc/W");
    assertEquals(DType.FLOAT32, w.dtype());
    assertArrayEquals(new long[] {2, 3}, w.shape());
    assertEquals(Hashing.sha256Hex(OnnxTestModels.externalBytes()), w.sha256());

    Files.delete(dir.resolve("weights.bin"));
    FormatException e = assertThrows(FormatException.class, () -> importer.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("weights.bin"), e.getMessage());
  }

  @Test void truncatedFileNamesFileAndOffset(@TempDir Path dir) throws IOException {
    byte[] bytes = Files.readAllBytes(Corpus.path("onnx/output_cnn_mnist.onnx"));
    Path file = dir.resolve("truncated.onnx");
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    FormatException e = assertThrows(FormatException.class, () -> importer.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("byte offset"), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test void garbageIsRejected(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("garbage.onnx");
    Files.writeString(file, "this is not a protobuf message at all, just some text\n");
    FormatException e = assertThrows(FormatException.class,
        () -> importer.check(file, FileRole.MODEL));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());

    Path empty = dir.resolve("empty.onnx");
    Files.write(empty, new byte[0]);
    assertThrows(FormatException.class, () -> importer.read(empty));

    // valid protobuf, but not a model: no graph
    Path other = dir.resolve("other.onnx");
    Files.write(other, ModelProto.newBuilder().setIrVersion(7).setProducerName("x").build()
        .toByteArray());
    e = assertThrows(FormatException.class, () -> importer.read(other));
    assertTrue(e.getMessage().contains("graph"), e.getMessage());
  }

  @Test void nodeReadingAMissingTensorIsRejected(@TempDir Path dir) throws IOException {
    GraphProto.Builder g = GraphProto.newBuilder().setName("broken")
        .addInput(OnnxTestModels.input("x", 1, 4))
        .addNode(OnnxTestModels.node("Relu", "r1", List.of("x"), List.of("y")))
        .addNode(OnnxTestModels.node("Add", "add", List.of("y", "nowhere"), List.of("z")));
    ModelProto m = ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OnnxTestModels.opset("", 13)).setGraph(g).build();
    Path file = dir.resolve("broken.onnx");
    Files.write(file, m.toByteArray());
    FormatException e = assertThrows(FormatException.class, () -> importer.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("'add'"), e.getMessage());
    assertTrue(e.getMessage().contains("'nowhere'"), e.getMessage());
  }

  @Test void inconsistentInitializerIsRejected(@TempDir Path dir) throws IOException {
    ByteBuffer three = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    GraphProto.Builder g = GraphProto.newBuilder().setName("short")
        .addInput(OnnxTestModels.input("x", 1, 4))
        .addInitializer(TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
            .addDims(4).setRawData(ByteString.copyFrom(three)))
        .addNode(OnnxTestModels.node("MatMul", "mm", List.of("x", "w"), List.of("y")));
    ModelProto m = ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OnnxTestModels.opset("", 13)).setGraph(g).build();
    Path file = dir.resolve("short.onnx");
    Files.write(file, m.toByteArray());
    FormatException e = assertThrows(FormatException.class, () -> importer.read(file));
    assertTrue(e.getMessage().contains("initializer 'w'"), e.getMessage());
    assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
  }
}
