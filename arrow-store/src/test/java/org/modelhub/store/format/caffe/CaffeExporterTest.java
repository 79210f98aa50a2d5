package org.modelhub.store.format.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.caffe.proto.CaffeProto.NetParameter;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Writes models as prototxt + caffemodel and reads them back. */
class CaffeExporterTest {
  private final CaffeExporter exporter = new CaffeExporter();

  /** Exports, re-imports the written pair and checks both sides are the same model. */
  static ModelContent roundTrip(ModelContent c, Path dir) throws IOException {
    List<Path> files = new CaffeExporter().write(c, dir);
    assertEquals(2, files.size());
    String base = CaffeExporter.fileName(c.network().name());
    assertEquals(dir.resolve(base + ".prototxt"), files.get(0));
    assertEquals(dir.resolve(base + ".caffemodel"), files.get(1));
    ModelContent back = CaffeImporterTest.importPair(files.get(0), files.get(1));
    assertSame(c, back);
    // the caffemodel alone carries the same network and weights
    assertSame(c, CaffeImporterTest.importFile(files.get(1)));
    return back;
  }

  static void assertSame(ModelContent expected, ModelContent actual) {
    assertEquals(expected.network(), actual.network());
    assertEquals(expected.tensors().size(), actual.tensors().size());
    for (int i = 0; i < expected.tensors().size(); i++) {
      Tensor e = expected.tensors().get(i);
      Tensor a = actual.tensors().get(i);
      assertEquals(e.name(), a.name());
      assertEquals(e.dtype(), a.dtype(), e.name());
      assertArrayEquals(e.shape(), a.shape(), e.name());
      assertEquals(e.sha256(), a.sha256(), e.name());
    }
  }

  @Test void corpusModelsRoundTripBitExact(@TempDir Path dir) throws IOException {
    for (String f : List.of("bvlc_alexnet.deploy.prototxt",
        "bvlc_reference_caffenet.deploy.prototxt", "cifar10_quick.prototxt", "lenet.prototxt",
        "lenet_iter_10000.caffemodel")) {
      Path out = Files.createDirectory(dir.resolve(f + ".out"));
      roundTrip(CaffeImporterTest.importFile(Corpus.path("caffe/" + f)), out);
    }
    Path out = Files.createDirectory(dir.resolve("pair"));
    ModelContent pair = CaffeImporterTest.importPair(Corpus.path("caffe/lenet.prototxt"),
        Corpus.path("caffe/lenet_iter_10000.caffemodel"));
    ModelContent back = roundTrip(pair, out);
    assertEquals(8, back.tensors().size());
  }

  @Test void writtenPrototxtHasNoValues(@TempDir Path dir) throws IOException {
    ModelContent c = CaffeImporterTest.importFile(
        Corpus.path("caffe/lenet_iter_10000.caffemodel"));
    List<Path> files = exporter.write(c, dir);
    String text = Files.readString(files.get(0));
    assertTrue(text.startsWith("name: \"LeNet\""), text);
    assertFalse(text.contains("blobs"), text);
    assertTrue(text.contains("type: \"Convolution\""), text);
    assertTrue(Files.size(files.get(1)) > 4 * c.numParams(), "caffemodel holds the values");
    NetParameter parsed = NetParameter.parseFrom(Files.readAllBytes(files.get(1)));
    assertEquals(20 * 25, parsed.getLayer(1).getBlobs(0).getDataCount());
  }

  @Test void unseenLayersImportAndRoundTrip(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("unseen.prototxt"), String.join("\n",
        "name: \"Unseen\"",
        "input: \"data\"",
        "input_shape { dim: 1 dim: 3 dim: 16 dim: 16 }",
        "layer { name: \"c1\" type: \"Convolution\" bottom: \"data\" top: \"c1\"",
        "  convolution_param { num_output: 8 kernel_h: 3 kernel_w: 1 pad_h: 1 stride: 2",
        "    dilation: 1 bias_term: false weight_filler { type: \"msra\" } } }",
        "layer { name: \"bn1\" type: \"BatchNorm\" bottom: \"c1\" top: \"c1\"",
        "  batch_norm_param { eps: 0.001 use_global_stats: true } }",
        "layer { name: \"sc1\" type: \"Scale\" bottom: \"c1\" top: \"c1\"",
        "  scale_param { bias_term: true } }",
        "layer { name: \"pr1\" type: \"PReLU\" bottom: \"c1\" top: \"c1\" }",
        "layer { name: \"up\" type: \"Deconvolution\" bottom: \"c1\" top: \"up\"",
        "  convolution_param { num_output: 4 kernel_size: 4 stride: 2 group: 2 } }",
        "layer { name: \"side\" type: \"Convolution\" bottom: \"data\" top: \"side\"",
        "  convolution_param { num_output: 4 kernel_size: 1 } }",
        "layer { name: \"sum\" type: \"Eltwise\" bottom: \"up\" bottom: \"side\" top: \"sum\"",
        "  eltwise_param { operation: MAX } }",
        "layer { name: \"cat\" type: \"Concat\" bottom: \"sum\" bottom: \"side\" top: \"cat\"",
        "  concat_param { axis: 1 } }",
        "layer { name: \"gp\" type: \"Pooling\" bottom: \"cat\" top: \"gp\"",
        "  pooling_param { pool: AVE global_pooling: true } }",
        "layer { name: \"flat\" type: \"Flatten\" bottom: \"gp\" top: \"flat\" }",
        "layer { name: \"py\" type: \"Python\" bottom: \"flat\" top: \"py\"",
        "  python_param { module: \"m\" layer: \"L\" param_str: \"{'a': 1}\" } }",
        "layer { name: \"clip\" type: \"Clip\" bottom: \"py\" top: \"clip\"",
        "  clip_param { min: -1 max: 1e30 } }",
        "layer { name: \"sig\" type: \"Sigmoid\" bottom: \"clip\" top: \"clip\" }",
        ""));
    Network n = CaffeImporterTest.importFile(f).network();
    assertEquals(List.of("data", "c1", "bn1", "sc1", "pr1", "up", "side", "sum", "cat", "gp",
        "flat", "py", "clip", "sig"), n.layers().stream().map(Layer::name).toList());
    assertEquals(List.of("INPUT", "CONV", "BATCHNORM", "SCALE", "PRELU", "DECONV", "CONV",
        "ELTWISE", "CONCAT", "POOL", "FLATTEN", "PYTHON", "CLIP", "SIGMOID"),
        n.layers().stream().map(Layer::type).toList());
    Layer c1 = n.layer("c1");
    assertEquals(List.of(3, 1), c1.attr("kernel"));
    assertEquals(List.of(1, 0), c1.attr("pad"));
    assertEquals(List.of(2, 2), c1.attr("stride"));
    assertEquals(false, c1.attr("bias"));
    assertEquals(List.of("c1"), n.layer("bn1").inputs());
    assertEquals(List.of("bn1"), n.layer("sc1").inputs());
    assertEquals(List.of("sc1"), n.layer("pr1").inputs());
    assertEquals(List.of("pr1"), n.layer("up").inputs());
    assertEquals(0.001, n.layer("bn1").attr("eps"));
    assertEquals(0.999, n.layer("bn1").attr("momentum"));
    assertEquals(true, n.layer("sc1").attr("bias"));
    assertEquals(4, n.layer("up").attr("filters"));
    assertEquals(List.of(4, 4), n.layer("up").attr("kernel"));
    assertEquals("MAX", n.layer("sum").attr("op"));
    assertEquals(List.of("up", "side"), n.layer("sum").inputs());
    assertEquals(List.of("sum", "side"), n.layer("cat").inputs());
    assertEquals(1, n.layer("cat").attr("axis"));
    assertEquals("AVG", n.layer("gp").attr("method"));
    assertEquals(true, n.layer("gp").attr("global"));
    assertEquals(List.of("clip"), n.layer("sig").inputs());
    Map<?, ?> clip = (Map<?, ?>) ((Map<?, ?>) n.layer("clip").attr("caffe")).get("clip_param");
    assertEquals(1.0E30, clip.get("max"));
    roundTrip(new ModelContent(n, List.of()), Files.createDirectory(dir.resolve("out")));
  }

  @Test void unseenNetworkWithWeightsMatchesInferredShapes(@TempDir Path dir)
      throws IOException {
    Network n = CaffeImporterTest.importFile(Files.writeString(dir.resolve("w.prototxt"),
        String.join("\n", "name: \"W\"",
            "layer { name: \"in\" type: \"Input\" top: \"in\"",
            "  input_param { shape { dim: 2 dim: 4 dim: 8 dim: 8 } } }",
            "layer { name: \"dc\" type: \"Deconvolution\" bottom: \"in\" top: \"dc\"",
            "  convolution_param { num_output: 6 kernel_size: 2 stride: 2 group: 2 } }",
            "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"dc\" top: \"dc\" }",
            "layer { name: \"sc\" type: \"Scale\" bottom: \"dc\" top: \"dc\"",
            "  scale_param { bias_term: true } }",
            "layer { name: \"pr\" type: \"PReLU\" bottom: \"dc\" top: \"dc\" }",
            "layer { name: \"ip\" type: \"InnerProduct\" bottom: \"dc\" top: \"ip\"",
            "  inner_product_param { num_output: 3 transpose: true } }", ""))).network();
    // deconv of 8x8 by 2 with stride 2 gives 16x16: ip reads 6*16*16 values
    List<Tensor> tensors = List.of(
        floats("dc/W", 4, 3, 2, 2), floats("dc/b", 6),
        floats("bn/mean", 6), floats("bn/variance", 6), floats("bn/scale_factor", 1),
        floats("sc/gamma", 6), floats("sc/beta", 6), floats("pr/blob0", 6),
        floats("ip/W", 6 * 16 * 16, 3), floats("ip/b", 3));
    ModelContent c = new ModelContent(n, tensors);
    ModelContent back = roundTrip(c, Files.createDirectory(dir.resolve("out")));
    assertArrayEquals(new long[] {1536, 3}, back.tensorMap().get("ip/W").shape());

    // weights that disagree with the network are refused, naming the file and the layer
    Path proto = dir.resolve("w.prototxt");
    var e = assertThrows(FormatException.class, () -> importWith(n, proto, dir, "count",
        floats("ip/W", 6 * 16 * 16, 3)));
    assertTrue(e.getMessage().contains("W.caffemodel: layer 'ip': holds 1 blobs but the"
        + " InnerProduct layer of w.prototxt needs 2"), e.getMessage());
    e = assertThrows(FormatException.class, () -> importWith(n, proto, dir, "size",
        floats("ip/W", 6 * 8 * 8, 3), floats("ip/b", 3)));
    assertTrue(e.getMessage().contains("W.caffemodel: layer 'ip' blob 0 (W): has shape"
        + " [384,3] but the InnerProduct layer of w.prototxt needs [1536,3]"), e.getMessage());
    e = assertThrows(FormatException.class, () -> importWith(n, proto, dir, "bn",
        floats("bn/mean", 6), floats("bn/variance", 5), floats("bn/scale_factor", 1)));
    assertTrue(e.getMessage().contains("layer 'bn' blob 1 (variance): has shape [5]"),
        e.getMessage());
  }

  private ModelContent importWith(Network n, Path prototxt, Path dir, String sub,
      Tensor... tensors) throws IOException {
    List<Path> files = exporter.write(new ModelContent(n, List.of(tensors)),
        Files.createDirectory(dir.resolve(sub)));
    return CaffeImporterTest.importPair(prototxt, files.get(1));
  }

  @Test void editedNetworkIsRewired(@TempDir Path dir) throws IOException {
    ModelContent c = CaffeImporterTest.importPair(Corpus.path("caffe/lenet.prototxt"),
        Corpus.path("caffe/lenet_iter_10000.caffemodel"));
    // what DQL's construct does: insert relu after conv1, splitting its out-edge
    List<Layer> layers = new ArrayList<>();
    for (Layer l : c.network().layers()) {
      if (l.name().equals("pool1")) {
        layers.add(new Layer("relu_c1", "RELU", Map.of(), List.of("conv1")));
        layers.add(l.withInputs(List.of("relu_c1")));
      } else {
        layers.add(l);
      }
    }
    ModelContent edited = new ModelContent(c.network().withLayers(layers), c.tensors());
    List<Path> files = exporter.write(edited, dir);
    ModelContent back = CaffeImporterTest.importPair(files.get(0), files.get(1));
    Network n = back.network();
    assertEquals("RELU", n.layer("relu_c1").type());
    assertEquals(List.of("conv1"), n.layer("relu_c1").inputs());
    assertEquals(List.of("relu_c1"), n.layer("pool1").inputs());
    assertEquals(List.of("relu_c1"), ((Map<?, ?>) n.layer("pool1").attr("caffe"))
        .get("bottom"));
    assertEquals(c.tensors().size(), back.tensors().size());

    // and deleting relu1 (in place on ip1) makes ip2 read ip1 again
    List<Layer> without = new ArrayList<>();
    for (Layer l : c.network().layers()) {
      if (!l.name().equals("relu1")) {
        without.add(l.name().equals("ip2") ? l.withInputs(List.of("ip1")) : l);
      }
    }
    Path out = Files.createDirectory(dir.resolve("deleted"));
    ModelContent del = new ModelContent(c.network().withLayers(without), c.tensors());
    assertEquals(List.of("ip1"), roundTrip(del, out).network().layer("ip2").inputs());
  }

  @Test void networkFromAnotherFormat(@TempDir Path dir) throws IOException {
    Map<String, Object> conv = new LinkedHashMap<>();
    conv.put("filters", 2);
    conv.put("kernel", List.of(3, 3));
    conv.put("stride", List.of(1, 1));
    conv.put("pad", "same");
    conv.put("activation", "RELU");
    List<Layer> layers = List.of(
        new Layer("input", "INPUT", Map.of("shape", List.of(-1, 1, 4, 4)), List.of()),
        new Layer("conv", "CONV", conv, List.of("input")),
        new Layer("bn", "BATCHNORM", Map.of("eps", 0.001, "momentum", 0.99),
            List.of("conv")),
        new Layer("pool", "POOL", Map.of("method", "AVG", "kernel", List.of(2, 2),
            "stride", List.of(2, 2)), List.of("bn")),
        new Layer("flat", "FLATTEN", Map.of(), List.of("pool")),
        new Layer("dense", "OUTPUT", Map.of("units", 3, "activation", "SOFTMAX",
            "loss", "MCXENT"), List.of("flat")));
    Network net = new Network("keras-like", layers, Map.of());
    // Keras layouts: conv kernel [kh, kw, in, out], dense kernel [in, out]
    float[] k = new float[3 * 3 * 1 * 2];
    for (int i = 0; i < k.length; i++) {
      k[i] = i;
    }
    List<Tensor> tensors = List.of(
        Tensor.ofFloats("conv/kernel", new long[] {3, 3, 1, 2}, k),
        Tensor.ofFloats("conv/bias", new long[] {2}, new float[] {0.5f, -0.5f}),
        Tensor.ofFloats("bn/gamma", new long[] {2}, new float[] {1, 2}),
        Tensor.ofFloats("bn/beta", new long[] {2}, new float[] {3, 4}),
        Tensor.ofFloats("bn/moving_mean", new long[] {2}, new float[] {5, 6}),
        Tensor.ofFloats("bn/moving_variance", new long[] {2}, new float[] {7, 8}),
        halfs("dense/kernel", 8, 3),
        Tensor.ofFloats("dense/bias", new long[] {1, 3}, new float[] {1, 2, 3}));
    List<Path> files = exporter.write(new ModelContent(net, tensors), dir);
    assertEquals(dir.resolve("keras-like.prototxt"), files.get(0));
    ModelContent back = CaffeImporterTest.importPair(files.get(0), files.get(1));
    Network n = back.network();
    assertEquals(List.of("input", "conv", "conv_relu", "bn", "bn_scale", "pool", "flat",
        "dense", "dense_softmax"), n.layers().stream().map(Layer::name).toList());
    assertEquals(List.of("INPUT", "CONV", "RELU", "BATCHNORM", "SCALE", "POOL", "FLATTEN",
        "FC", "SOFTMAX"), n.layers().stream().map(Layer::type).toList());
    assertEquals(List.of(1, 1, 4, 4), CaffeImporterTest.ints(n.layer("input").attr("shape")));
    assertEquals(List.of(1, 1), n.layer("conv").attr("pad"));
    assertEquals(2, n.layer("conv").attr("filters"));
    assertEquals("AVG", n.layer("pool").attr("method"));
    assertEquals(List.of("bn"), n.layer("bn_scale").inputs());
    assertEquals(0.001, n.layer("bn").attr("eps"));
    Map<String, Tensor> t = back.tensorMap();
    // conv weights now [out, in, kh, kw]: W[o][0][y][x] = k[y][x][0][o] = (y*3 + x)*2 + o
    Tensor w = t.get("conv/W");
    assertArrayEquals(new long[] {2, 1, 3, 3}, w.shape());
    float[] wv = w.toFloats();
    for (int o = 0; o < 2; o++) {
      for (int p = 0; p < 9; p++) {
        assertEquals((float) (p * 2 + o), wv[o * 9 + p]);
      }
    }
    assertArrayEquals(new float[] {5, 6}, t.get("bn/mean").toFloats());
    assertArrayEquals(new float[] {7, 8}, t.get("bn/variance").toFloats());
    assertArrayEquals(new float[] {1}, t.get("bn/scale_factor").toFloats());
    assertArrayEquals(new float[] {1, 2}, t.get("bn_scale/gamma").toFloats());
    assertArrayEquals(new float[] {3, 4}, t.get("bn_scale/beta").toFloats());
    // dense kernel kept [in, out] with transpose set; half floats widened to float32
    Tensor dense = t.get("dense/W");
    assertEquals(DType.FLOAT32, dense.dtype());
    assertArrayEquals(new long[] {8, 3}, dense.shape());
    assertEquals(1.5f, dense.toFloats()[5]);
    assertEquals(true, ((Map<?, ?>) ((Map<?, ?>) n.layer("dense").attr("caffe"))
        .get("inner_product_param")).get("transpose"));
    assertArrayEquals(new long[] {3}, t.get("dense/b").shape());
  }

  @Test void layerCaffeCannotExpressIsNamed(@TempDir Path dir) {
    Network net = new Network("n", List.of(
        new Layer("x", "INPUT", Map.of(), List.of()),
        new Layer("grow", "UPSAMPLE", Map.of(), List.of("x"))), Map.of());
    ModelHubException e = assertThrows(ModelHubException.class,
        () -> exporter.write(new ModelContent(net, List.of()), dir));
    assertTrue(e.getMessage().contains("'grow'") && e.getMessage().contains("UPSAMPLE"),
        e.getMessage());

    Network sub = new Network("n", List.of(
        new Layer("x", "INPUT", Map.of(), List.of()),
        new Layer("d", "ELTWISE", Map.of("op", "SUB"), List.of("x", "x"))), Map.of());
    e = assertThrows(ModelHubException.class,
        () -> exporter.write(new ModelContent(sub, List.of()), dir));
    assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("SUB"),
        e.getMessage());

    Network ints = new Network("n", List.of(
        new Layer("x", "INPUT", Map.of(), List.of()),
        new Layer("fc", "FC", Map.of("units", 2), List.of("x"))), Map.of());
    Tensor q = new Tensor("fc/W", DType.UINT8, new long[] {2, 2}, ByteBuffer.allocate(4));
    e = assertThrows(ModelHubException.class,
        () -> exporter.write(new ModelContent(ints, List.of(q)), dir));
    assertTrue(e.getMessage().contains("'fc'") && e.getMessage().contains("uint8"),
        e.getMessage());
  }

  private static Tensor floats(String name, long... shape) {
    float[] v = new float[(int) Tensor.numValues(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) Math.sin(i + name.length());
    }
    return Tensor.ofFloats(name, shape, v);
  }

  private static Tensor halfs(String name, long... shape) {
    int n = (int) Tensor.numValues(shape);
    ByteBuffer b = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putShort(i * 2, org.modelhub.store.model.Float16.fromFloat(i * 0.3f));
    }
    return new Tensor(name, DType.FLOAT16, shape, b);
  }
}
