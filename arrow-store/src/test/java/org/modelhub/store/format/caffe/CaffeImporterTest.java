package org.modelhub.store.format.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;

/** Imports the real Caffe models of the corpus. */
class CaffeImporterTest {
  private final CaffeImporter importer = new CaffeImporter();

  static ModelContent importFile(Path file) throws IOException {
    Formats.Recognized r = Formats.get().recognize(file).orElseThrow();
    assertEquals("caffe", r.importer().format(), file.toString());
    return r.importer().read(ImportInput.of(file, r.role()));
  }

  static ModelContent importPair(Path prototxt, Path caffemodel) throws IOException {
    return new CaffeImporter().read(new ImportInput(List.of(prototxt), List.of(caffemodel),
        List.of(), Optional.empty()));
  }

  static List<Integer> ints(Object list) {
    List<Integer> out = new ArrayList<>();
    ((List<?>) list).forEach(x -> out.add(((Number) x).intValue()));
    return out;
  }

  @Test void everyCorpusFileImports() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(Corpus.path("caffe"))) {
      files = s.filter(p -> !p.getFileName().toString().endsWith(".proto")).sorted().toList();
    }
    assertEquals(5, files.size(), files.toString());
    for (Path f : files) {
      ModelContent c = importFile(f);
      assertFalse(c.network().layers().isEmpty(), f.toString());
      // Attributes are plain JSON values: the catalog's JSON gives back an equal network.
      assertEquals(c.network(), NetworkJson.fromJson(NetworkJson.toJson(c.network(), false)),
          f.toString());
    }
  }

  @Test void alexnet() throws IOException {
    Network n = importFile(Corpus.path("caffe/bvlc_alexnet.deploy.prototxt")).network();
    assertEquals("AlexNet", n.name());
    assertEquals(List.of("data", "conv1", "relu1", "norm1", "pool1", "conv2", "relu2", "norm2",
        "pool2", "conv3", "relu3", "conv4", "relu4", "conv5", "relu5", "pool5", "fc6", "relu6",
        "drop6", "fc7", "relu7", "drop7", "fc8", "prob"),
        n.layers().stream().map(Layer::name).toList());
    assertEquals(List.of("INPUT", "CONV", "RELU", "LRN", "POOL"),
        n.layers().subList(0, 5).stream().map(Layer::type).toList());
    assertEquals(List.of(10, 3, 227, 227), ints(n.layer("data").attr("shape")));
    Layer conv1 = n.layer("conv1");
    assertEquals(96, conv1.attr("filters"));
    assertEquals(List.of(11, 11), conv1.attr("kernel"));
    assertEquals(List.of(4, 4), conv1.attr("stride"));
    assertEquals(List.of(0, 0), conv1.attr("pad"));
    assertEquals(1, conv1.attr("group"));
    assertEquals(true, conv1.attr("bias"));
    assertEquals(List.of("data"), conv1.inputs());
    Layer conv2 = n.layer("conv2");
    assertEquals(256, conv2.attr("filters"));
    assertEquals(2, conv2.attr("group"));
    assertEquals(List.of(2, 2), conv2.attr("pad"));
    // relu1 works in place on blob conv1: its own node, chained in file order
    assertEquals(List.of("conv1"), n.layer("relu1").inputs());
    assertEquals(List.of("relu1"), n.layer("norm1").inputs());
    assertEquals(5, n.layer("norm1").attr("size"));
    assertEquals(1.0E-4, n.layer("norm1").attr("alpha"));
    assertEquals(0.75, n.layer("norm1").attr("beta"));
    assertEquals("ACROSS_CHANNELS", n.layer("norm1").attr("region"));
    assertEquals("MAX", n.layer("pool1").attr("method"));
    assertEquals(List.of(3, 3), n.layer("pool1").attr("kernel"));
    assertEquals(List.of(2, 2), n.layer("pool1").attr("stride"));
    assertEquals(4096, n.layer("fc6").attr("units"));
    assertEquals("FC", n.layer("fc6").type());
    assertEquals(List.of("relu6"), n.layer("drop6").inputs());
    assertEquals(0.5, n.layer("drop6").attr("ratio"));
    assertEquals(List.of("drop7"), n.layer("fc8").inputs());
    assertEquals(1000, n.layer("fc8").attr("units"));
    assertEquals("SOFTMAX", n.layer("prob").type());
    Map<?, ?> caffe = (Map<?, ?>) conv1.attr("caffe");
    assertEquals("Convolution", caffe.get("type"));
    assertEquals(List.of("data"), caffe.get("bottom"));
    assertEquals(96, ((Map<?, ?>) caffe.get("convolution_param")).get("num_output"));
    assertEquals(2, ((List<?>) caffe.get("param")).size());
    assertEquals(Map.of("name", "AlexNet"), n.attrs().get("caffe"));
  }

  @Test void caffenet() throws IOException {
    Network n = importFile(Corpus.path("caffe/bvlc_reference_caffenet.deploy.prototxt"))
        .network();
    assertEquals("CaffeNet", n.name());
    assertEquals(24, n.layers().size());
    // CaffeNet pools before normalising, unlike AlexNet.
    assertEquals(List.of("relu1"), n.layer("pool1").inputs());
    assertEquals(List.of("pool1"), n.layer("norm1").inputs());
    assertEquals(List.of(11, 11), n.layer("conv1").attr("kernel"));
    assertEquals(384, n.layer("conv3").attr("filters"));
  }

  @Test void cifar10() throws IOException {
    Network n = importFile(Corpus.path("caffe/cifar10_quick.prototxt")).network();
    assertEquals("CIFAR10_quick_test", n.name());
    assertEquals("MAX", n.layer("pool1").attr("method"));
    assertEquals("AVG", n.layer("pool2").attr("method"));
    assertEquals("AVG", n.layer("pool3").attr("method"));
    // relu1 runs in place on pool1's output
    assertEquals(List.of("pool1"), n.layer("relu1").inputs());
    assertEquals(List.of("relu1"), n.layer("conv2").inputs());
    assertEquals(List.of("relu2"), n.layer("pool2").inputs());
    assertEquals(List.of(2, 2), n.layer("conv1").attr("pad"));
    assertEquals(64, n.layer("ip1").attr("units"));
  }

  @Test void lenetCaffemodelAlone() throws IOException {
    ModelContent c = importFile(Corpus.path("caffe/lenet_iter_10000.caffemodel"));
    Network n = c.network();
    assertEquals("LeNet", n.name());
    assertEquals(List.of("mnist", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2",
        "loss"), n.layers().stream().map(Layer::name).toList());
    assertEquals("INPUT", n.layer("mnist").type());
    assertEquals("LOSS", n.layer("loss").type());
    assertEquals("SOFTMAX_CROSS_ENTROPY", n.layer("loss").attr("loss"));
    // the loss reads ip2 and the label blob that the data layer wrote
    assertEquals(List.of("ip2", "mnist"), n.layer("loss").inputs());
    assertEquals(List.of("ip1"), n.layer("relu1").inputs());
    assertEquals(List.of("relu1"), n.layer("ip2").inputs());
    Map<String, Tensor> t = c.tensorMap();
    assertEquals(List.of("conv1/W", "conv1/b", "conv2/W", "conv2/b", "ip1/W", "ip1/b",
        "ip2/W", "ip2/b"), List.copyOf(t.keySet()));
    assertArrayEquals(new long[] {20, 1, 5, 5}, t.get("conv1/W").shape());
    assertArrayEquals(new long[] {20}, t.get("conv1/b").shape());
    assertArrayEquals(new long[] {50, 20, 5, 5}, t.get("conv2/W").shape());
    assertArrayEquals(new long[] {500, 800}, t.get("ip1/W").shape());
    assertArrayEquals(new long[] {10, 500}, t.get("ip2/W").shape());
    assertArrayEquals(new long[] {10}, t.get("ip2/b").shape());
    assertEquals(431080, c.numParams());
    t.values().forEach(x -> assertEquals(DType.FLOAT32, x.dtype()));
    // the first weight of conv1 as the file stores it (bytes 31 07 46 3d at offset 0x91)
    assertEquals(0x3d460731, Float.floatToRawIntBits(t.get("conv1/W").toFloats()[0]));
    Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) n.layer("mnist").attr("caffe"))
        .get("data_param");
    assertEquals("LMDB", data.get("backend"));
    assertEquals(64, data.get("batch_size"));
  }

  @Test void lenetPrototxtWithCaffemodel() throws IOException {
    Path proto = Corpus.path("caffe/lenet.prototxt");
    Path model = Corpus.path("caffe/lenet_iter_10000.caffemodel");
    ModelContent pair = importPair(proto, model);
    ModelContent netOnly = importFile(proto);
    ModelContent alone = importFile(model);
    assertTrue(netOnly.tensors().isEmpty());
    assertEquals(netOnly.network(), pair.network());
    assertEquals(List.of("data"), pair.network().layer("conv1").inputs());
    assertEquals(List.of(64, 1, 28, 28), ints(pair.network().layer("data").attr("shape")));
    assertEquals(alone.tensors().size(), pair.tensors().size());
    for (Tensor t : alone.tensors()) {
      Tensor p = pair.tensorMap().get(t.name());
      assertEquals(t.sha256(), p.sha256(), t.name());
      assertArrayEquals(t.shape(), p.shape(), t.name());
    }
  }

  @Test void weightsOnlyCommitUsesTheParentNetwork() throws IOException {
    Network base = importFile(Corpus.path("caffe/lenet.prototxt")).network();
    Path model = Corpus.path("caffe/lenet_iter_10000.caffemodel");
    ModelContent c = importer.read(ImportInput.of(model, FileRole.WEIGHTS).withBase(base));
    assertEquals(base, c.network());
    assertEquals(8, c.tensors().size());
    assertArrayEquals(new long[] {500, 800}, c.tensorMap().get("ip1/W").shape());
  }

  @Test void recognizesByExtension(@TempDir Path dir) throws IOException {
    assertEquals(Optional.of(FileRole.NETWORK),
        importer.recognize(Corpus.path("caffe/lenet.prototxt")));
    assertEquals(Optional.of(FileRole.WEIGHTS),
        importer.recognize(Corpus.path("caffe/lenet_iter_10000.caffemodel")));
    Path solver = Files.writeString(dir.resolve("train.prototxt"),
        "net: \"lenet_train_test.prototxt\"\nbase_lr: 0.01\n");
    assertEquals(Optional.empty(), importer.recognize(solver));
    assertEquals(Optional.empty(), importer.recognize(dir.resolve("lenet_solver.prototxt")));
    assertEquals(Optional.empty(), importer.recognize(dir.resolve("model.onnx")));
    assertEquals("caffe", Formats.get().importer("caffe").format());
    assertEquals("caffe", Formats.get().exporter("caffe").format());
  }

  @Test void trainTestNetKeepsBothPhases(@TempDir Path dir) throws IOException {
    String data = "layer { name: \"mnist\" type: \"Data\" top: \"data\" top: \"label\""
        + " include { phase: %s } data_param { source: \"%s\" batch_size: 64 } }\n";
    Path f = Files.writeString(dir.resolve("lenet_train_test.prototxt"), "name: \"LeNet\"\n"
        + String.format(Locale.ROOT, data, "TRAIN", "train_lmdb")
        + String.format(Locale.ROOT, data, "TEST", "test_lmdb")
        + "layer { name: \"ip\" type: \"InnerProduct\" bottom: \"data\" top: \"ip\""
        + " inner_product_param { num_output: 10 } }\n"
        + "layer { name: \"accuracy\" type: \"Accuracy\" bottom: \"ip\" bottom: \"label\""
        + " top: \"accuracy\" include { phase: TEST } }\n"
        + "layer { name: \"loss\" type: \"SoftmaxWithLoss\" bottom: \"ip\""
        + " bottom: \"label\" top: \"loss\" }\n");
    ModelContent c = importFile(f);
    Network n = c.network();
    // both data layers are named mnist; the second node gets a unique name
    assertEquals(List.of("mnist", "mnist#2", "ip", "accuracy", "loss"),
        n.layers().stream().map(Layer::name).toList());
    assertEquals("ACCURACY", n.layer("accuracy").type());
    assertEquals(List.of("ip", "mnist#2"), n.layer("accuracy").inputs());
    assertEquals("mnist", ((Map<?, ?>) n.layer("mnist#2").attr("caffe")).get("name"));
    Path out = Files.createDirectory(dir.resolve("out"));
    CaffeExporterTest.roundTrip(c, out);
    String text = Files.readString(out.resolve("LeNet.prototxt"));
    assertEquals(2, text.split("name: \"mnist\"", -1).length - 1, text);
  }

  @Test void prototxtWithoutNameIsNamedAfterTheFile(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("tiny.prototxt"),
        "input: \"x\"\ninput_shape { dim: 1 dim: 4 }\n"
            + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"x\" top: \"fc\""
            + " inner_product_param { num_output: 2 } }\n");
    Network n = importFile(f).network();
    assertEquals("tiny", n.name());
    assertEquals("INPUT", n.layer("x").type());
    assertEquals(List.of(1, 4), ints(n.layer("x").attr("shape")));
    assertNull(n.layer("x").attr("caffe"));
    assertEquals(List.of("x"), n.layer("fc").inputs());
  }
}
