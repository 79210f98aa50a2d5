package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelhub.store.Corpus;

/**
 * Every corpus model through the command line: it imports, {@code desc} shows its real
 * layers, and a checkout in its own format re-imports with every tensor bit-exact (diff finds
 * all tensors identical and no layer changed).
 */
class CorpusCliTest {
  @TempDir Path dir;

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("caffe", List.of("caffe/bvlc_alexnet.deploy.prototxt"),
            List.of("conv1 CONV", "norm1 LRN", "pool5 POOL", "fc6 FC", "relu7 RELU",
                "drop7 DROPOUT", "fc8 FC", "prob SOFTMAX")),
        Arguments.of("caffe", List.of("caffe/bvlc_reference_caffenet.deploy.prototxt"),
            List.of("conv1 CONV", "pool1 POOL", "norm2 LRN", "fc8 FC")),
        Arguments.of("caffe", List.of("caffe/cifar10_quick.prototxt"),
            List.of("conv1 CONV", "pool1 POOL", "conv3 CONV", "ip2 FC")),
        Arguments.of("caffe", List.of("caffe/lenet.prototxt",
            "caffe/lenet_iter_10000.caffemodel"),
            List.of("conv1 CONV", "pool1 POOL", "ip1 FC", "relu1 RELU", "ip2 FC",
                "conv1/W [20,1,5,5]", "ip1/W [500,800]")),
        Arguments.of("caffe", List.of("caffe/lenet_iter_10000.caffemodel"),
            List.of("conv1 CONV", "ip2 FC", "conv2/W [50,20,5,5]")),
        Arguments.of("onnx", List.of("onnx/light_bvlc_alexnet.onnx"),
            List.of("CONV", "LRN", "POOL", "FC", "filters=96")),
        Arguments.of("onnx", List.of("onnx/light_vgg19.onnx"), List.of("CONV", "POOL", "FC")),
        Arguments.of("onnx", List.of("onnx/light_squeezenet.onnx"),
            List.of("CONV", "CONCAT", "global=true")),
        Arguments.of("onnx", List.of("onnx/light_inception_v1.onnx"),
            List.of("CONV", "CONCAT", "LRN")),
        Arguments.of("onnx", List.of("onnx/output_cnn_mnist.onnx"),
            List.of("Conv_0 CONV", "MaxPool_2 POOL", "Gemm_14 FC", "Conv_3/W [32,16,5,5]")),
        Arguments.of("dl4j", List.of("dl4j/regression/050_ModelSerializer_Regression_MLP_1.zip"),
            List.of("FC", "OUTPUT")),
        Arguments.of("dl4j", List.of("dl4j/regression/060_ModelSerializer_Regression_MLP_1.zip"),
            List.of("FC", "OUTPUT")),
        Arguments.of("dl4j", List.of("dl4j/regression/071_ModelSerializer_Regression_MLP_1.zip"),
            List.of("FC", "OUTPUT")),
        Arguments.of("dl4j", List.of("dl4j/regression/080_ModelSerializer_Regression_MLP_1.zip"),
            List.of("layer0 FC", "layer1 OUTPUT")),
        Arguments.of("dl4j", List.of("dl4j/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip"),
            List.of("FC", "OUTPUT", "[784,64]")),
        Arguments.of("dl4j", List.of("dl4j/MLPMnist/config.mlc.json",
            "dl4j/MLPMnist/paramsPostTrain.bin"), List.of("FC", "OUTPUT", "[784,64]")),
        Arguments.of("tfjs", List.of("tfjs/esrgan-slim-x2/model.json"),
            List.of("LR INPUT", "F_m1 CONV", "F_m1/kernel [3,3,3,64]", "filters=64")));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("models")
  void importsDescribesAndRoundTrips(String format, List<String> files, List<String> expect)
      throws IOException {
    Path repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    List<String> add = new ArrayList<>(List.of("add"));
    files.forEach(f -> add.add(Corpus.path(f).toString()));
    DlvRun.run(repo, add.toArray(new String[0])).expect(0);
    DlvRun.run(repo, "commit", "-m", "imported", "--name", "m").expect(0);

    String desc = DlvRun.run(repo, "desc", "m@1").expect(0).out;
    assertTrue(desc.contains("(" + format + ")"), desc);
    for (String e : expect) {
      // "conv1 CONV": a layer row with that name and type; otherwise the text itself
      String[] parts = e.split(" ");
      boolean found = parts.length == 2
          ? desc.lines().anyMatch(l -> columns(l).containsAll(List.of(parts[0], parts[1])))
          : desc.contains(e);
      assertTrue(found || desc.contains(e), "desc lacks '" + e + "':\n" + desc);
    }

    Path out = dir.resolve("out");
    DlvRun.run(repo, "checkout", "m@1", "--format", format, "--out", out.toString()).expect(0);
    List<String> again = new ArrayList<>(List.of("add"));
    try (Stream<Path> s = Files.list(out)) {
      s.sorted().forEach(p -> again.add(p.toString()));
    }
    DlvRun.run(repo, again.toArray(new String[0])).expect(0);
    DlvRun.run(repo, "commit", "-m", "re-imported from its own export").expect(0);
    String diff = DlvRun.run(repo, "diff", "m@1", "m@2").expect(0).out;
    Matcher m = Pattern.compile("Tensors: (\\d+) names, (\\d+) identical, 0 differ")
        .matcher(diff);
    assertTrue(m.find() && m.group(1).equals(m.group(2)), diff);
    assertTrue(diff.contains("Layers: 0 added, 0 removed, 0 changed"), diff);
    assertTrue(DlvRun.run(repo, "fsck").expect(0).out.trim().endsWith("ok"));
  }

  private static List<String> columns(String line) {
    return List.of(line.trim().split("\\s+"));
  }

  /** The four DL4J releases' saves of one MLP, and MLPMnist before and after training. */
  @Test void dl4jDiffsPrintRealFigures() {
    Path repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
    for (String v : List.of("050", "060", "071", "080")) {
      DlvRun.run(repo, "add", Corpus.path("dl4j/regression/" + v
          + "_ModelSerializer_Regression_MLP_1.zip").toString()).expect(0);
      DlvRun.run(repo, "commit", "-m", "saved by DL4J " + v, "--name", "regression").expect(0);
    }
    String d14 = DlvRun.run(repo, "diff", "--all", "regression@1", "regression@4").expect(0).out;
    // same weights (the values 1..41), a different loss configuration and named layers
    assertTrue(d14.contains("4 names, 4 identical, 0 differ"), d14);
    assertTrue(d14.contains("softmaxClipEps 1.0E-10 -> 0.0"), d14);
    assertTrue(d14.contains("layerName (absent) -> layer0"), d14);

    DlvRun.run(repo, "add", Corpus.path("dl4j/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip")
        .toString()).expect(0);
    DlvRun.run(repo, "commit", "-m", "untrained", "--name", "mlpmnist").expect(0);
    DlvRun.run(repo, "add", Corpus.path("dl4j/MLPMnist/paramsPostTrain.bin").toString())
        .expect(0);
    DlvRun.run(repo, "commit", "-m", "trained parameters").expect(0);
    String dt = DlvRun.run(repo, "diff", "mlpmnist@1", "mlpmnist@2").expect(0).out;
    assertTrue(dt.contains("4 names, 0 identical, 4 differ"), dt);
    assertTrue(dt.lines().anyMatch(l -> l.trim().matches(
        "layer0/W\\s+changed\\s+\\[784,64]\\s+0\\.4503\\s+19\\.67\\s+100\\.00%")), dt);
    assertTrue(dt.lines().anyMatch(l -> l.trim().matches(
        "layer1/W\\s+changed\\s+\\[64,10]\\s+0\\.5278\\s+3\\.205\\s+100\\.00%")), dt);
  }
}
