package org.modelhub.dl4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/** Imports and round-trips the real DL4J models of the shared corpus. */
class Dl4jCorpusTest {
  private static final List<String> RELEASES = List.of("050", "060", "071", "080");

  private static Path regression(String release) {
    return Corpus.path("dl4j/regression/" + release + "_ModelSerializer_Regression_MLP_1.zip");
  }

  private static Path mnist(String file) {
    return Corpus.path("dl4j/MLPMnist/" + file);
  }

  private static String configuration(Network network) {
    return Dl4jImporter.configurationOf(network);
  }

  @Test void regressionZipsImportAsOneMlp() throws IOException {
    for (String release : RELEASES) {
      Path zip = regression(release);
      assertEquals(Optional.of(FileRole.MODEL), new Dl4jImporter().recognize(zip));
      ModelContent c = RoundTrip.importFile(zip);
      Network n = c.network();
      assertEquals(release + "_ModelSerializer_Regression_MLP_1", n.name());
      assertEquals("MultiLayerNetwork", ((Map<?, ?>) n.attrs().get("dl4j")).get("kind"));
      assertEquals(List.of("input:INPUT[]", "layer0:FC[input]", "layer1:OUTPUT[layer0]"),
          n.layers().stream().map(Layer::toString).toList(), release);
      assertEquals(List.of(-1, 3), n.layer("input").attr("shape"));
      Layer fc = n.layer("layer0");
      assertEquals(4, fc.attr("units"));
      assertEquals("RELU", fc.attr("activation"));
      assertEquals(true, fc.attr("bias"));
      Map<?, ?> dl4j = (Map<?, ?>) fc.attr("dl4j");
      assertEquals("DenseLayer", dl4j.get("class"));
      assertEquals(3, dl4j.get("nIn"));
      assertEquals("XAVIER", dl4j.get("weightInit"));
      assertEquals(Map.of("@class", "org.nd4j.linalg.learning.config.Nesterovs",
          "learningRate", 0.15, "momentum", 0.9), dl4j.get("updater"));
      Layer out = n.layer("layer1");
      assertEquals(5, out.attr("units"));
      assertEquals("SOFTMAX", out.attr("activation"));
      assertEquals("MCXENT", out.attr("loss"));

      Map<String, String> hp = new LinkedHashMap<>();
      hp.put("iteration_count", "0");
      hp.put("epoch_count", "0");
      hp.put("data_type", "FLOAT");
      hp.put("backprop_type", "Standard");
      hp.put("seed", "12345");
      hp.put("optimization_algo", "STOCHASTIC_GRADIENT_DESCENT");
      hp.put("updater", "NESTEROVS");
      hp.put("learning_rate", "0.15");
      hp.put("momentum", "0.9");
      assertEquals(hp, c.hyperparams(), release);

      // the saved parameters are 1..41 in the flat vector; dense W views are 'f' ordered, so
      // in C order of [nIn, nOut] the first row reads 1, 4, 7, 10
      Map<String, Tensor> t = c.tensorMap();
      assertEquals(List.of("layer0/W", "layer0/b", "layer1/W", "layer1/b"),
          new ArrayList<>(t.keySet()));
      assertArrayEquals(new long[] {3, 4}, t.get("layer0/W").shape());
      assertArrayEquals(new long[] {4}, t.get("layer0/b").shape());
      assertArrayEquals(new long[] {4, 5}, t.get("layer1/W").shape());
      assertArrayEquals(new long[] {5}, t.get("layer1/b").shape());
      assertArrayEquals(new float[] {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12},
          t.get("layer0/W").toFloats());
      assertArrayEquals(new float[] {13, 14, 15, 16}, t.get("layer0/b").toFloats());
      assertArrayEquals(new float[] {17, 21, 25, 29, 33, 18, 22, 26, 30, 34, 19, 23, 27, 31, 35,
          20, 24, 28, 32, 36}, t.get("layer1/W").toFloats());
      assertArrayEquals(new float[] {37, 38, 39, 40, 41}, t.get("layer1/b").toFloats());
      assertEquals(41, c.numParams());
    }
  }

  /**
   * The four releases saved the same weights; what differs is their configuration JSON, as
   * DL4J 1.0 reads it back: MCXENT's softmax clipping (the 0.5.0 file names the loss by enum
   * and gets today's default, later files carry an explicit loss object without it) and layer
   * names (first written by 0.8.0).
   */
  @Test void regressionReleasesDifferInConfigurationOnly() throws IOException {
    List<ModelContent> all = new ArrayList<>();
    for (String release : RELEASES) {
      all.add(RoundTrip.importFile(regression(release)));
    }
    ModelContent first = all.get(0);
    for (int i = 1; i < all.size(); i++) {
      ModelContent other = all.get(i);
      assertEquals(first.network().layers(), other.network().layers(), RELEASES.get(i));
      for (int k = 0; k < first.tensors().size(); k++) {
        Tensor a = first.tensors().get(k);
        Tensor b = other.tensors().get(k);
        assertEquals(0.0, RoundTrip.maxAbsDiff(a, b), a.name() + " 050 vs " + RELEASES.get(i));
        assertEquals(a.sha256(), b.sha256());
      }
      assertEquals(first.hyperparams(), other.hyperparams());
    }
    assertEquals(List.of(
            "050: \"softmaxClipEps\" : 1.0E-10 | \"softmaxClipEps\" : 0.0"),
        lineDiff("050", configuration(first.network()), configuration(all.get(1).network())));
    assertEquals(configuration(all.get(1).network()), configuration(all.get(2).network()));
    assertEquals(List.of(
            "050: \"layerName\" : null, | \"layerName\" : \"layer0\",",
            "050: \"layerName\" : null, | \"layerName\" : \"layer1\",",
            "050: \"softmaxClipEps\" : 1.0E-10 | \"softmaxClipEps\" : 0.0"),
        lineDiff("050", configuration(first.network()), configuration(all.get(3).network())));
  }

  private static List<String> lineDiff(String label, String a, String b) {
    String[] la = a.split("\n");
    String[] lb = b.split("\n");
    assertEquals(la.length, lb.length);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < la.length; i++) {
      if (!la[i].equals(lb[i])) {
        out.add(label + ": " + la[i].trim() + " | " + lb[i].trim());
      }
    }
    return out;
  }

  @Test void regressionZipsRoundTrip(@TempDir Path tmp) throws IOException {
    for (String release : RELEASES) {
      Path dir = Files.createDirectory(tmp.resolve(release));
      ModelContent c = RoundTrip.importFile(regression(release));
      RoundTrip.check(c, dir);
      // DL4J itself restores the same flat parameter vector from the export
      assertEquals(RoundTrip.restoredParamsSha(regression(release)),
          RoundTrip.restoredParamsSha(dir.resolve("model.zip")), release);
    }
  }

  @Test void mnistUntrainedZip() throws IOException {
    ModelContent c = RoundTrip.importFile(mnist("Model_RANDOM_INIT_UNTRAINED.zip"));
    Network n = c.network();
    assertEquals(List.of("input:INPUT[]", "layer0:FC[input]", "layer1:OUTPUT[layer0]"),
        n.layers().stream().map(Layer::toString).toList());
    assertEquals(List.of(-1, 784), n.layer("input").attr("shape"));
    assertEquals(64, n.layer("layer0").attr("units"));
    assertEquals("TANH", n.layer("layer0").attr("activation"));
    assertEquals(10, n.layer("layer1").attr("units"));
    assertEquals("SOFTMAX", n.layer("layer1").attr("activation"));
    assertEquals("MCXENT", n.layer("layer1").attr("loss"));
    assertEquals(50890, c.numParams());
    assertEquals(List.of("layer0/W", "layer0/b", "layer1/W", "layer1/b"),
        RoundTrip.names(c.tensors()));
    assertArrayEquals(new long[] {784, 64}, c.tensorMap().get("layer0/W").shape());
    Map<String, String> hp = c.hyperparams();
    assertEquals("ADAM", hp.get("updater"));
    assertEquals("0.05", hp.get("learning_rate"));
    assertEquals("{\"@class\":\"org.nd4j.linalg.schedule.MapSchedule\",\"scheduleType\":"
        + "\"ITERATION\",\"values\":{\"0\":0.05,\"12\":0.02,\"14\":0.01,\"4\":0.04,\"8\":0.03}}",
        hp.get("learning_rate_schedule"));
    assertEquals("0.9", hp.get("beta1"));
    assertEquals("0.999", hp.get("beta2"));
    assertEquals("1.0E-8", hp.get("epsilon"));
    assertEquals("0.001", hp.get("l1"));
    assertEquals("0.001", hp.get("l2"));
    assertEquals("12345", hp.get("seed"));
    assertEquals("STOCHASTIC_GRADIENT_DESCENT", hp.get("optimization_algo"));
  }

  /**
   * The configuration JSON with the trained parameter vector gives the zip's network with
   * other weights: every value moved, by up to about half a unit.
   */
  @Test void mnistConfigWithTrainedVector() throws IOException {
    Path json = mnist("config.mlc.json");
    Path bin = mnist("paramsPostTrain.bin");
    Dl4jImporter importer = new Dl4jImporter();
    assertEquals(Optional.of(FileRole.NETWORK), importer.recognize(json));
    assertEquals(Optional.of(FileRole.WEIGHTS), importer.recognize(bin));
    ModelContent untrained = RoundTrip.importFile(mnist("Model_RANDOM_INIT_UNTRAINED.zip"));
    ModelContent trained = importer.read(
        new ImportInput(List.of(json), List.of(bin), List.of(), Optional.empty()));
    assertEquals("config.mlc", trained.network().name());
    assertEquals(untrained.network().layers(), trained.network().layers());
    assertEquals(untrained.network().attrs(), trained.network().attrs());
    assertEquals(untrained.hyperparams(), trained.hyperparams());
    assertEquals(50890, trained.numParams());
    assertEquals(RoundTrip.names(untrained.tensors()), RoundTrip.names(trained.tensors()));
    double[] expectedMax = {0.4503348, 0.3139158, 0.5277862, 0.1222755};
    for (int i = 0; i < expectedMax.length; i++) {
      Tensor a = untrained.tensors().get(i);
      Tensor b = trained.tensors().get(i);
      assertNotEquals(a.sha256(), b.sha256(), a.name());
      assertEquals(expectedMax[i], RoundTrip.maxAbsDiff(a, b), 1e-6, a.name());
      float[] fa = a.toFloats();
      float[] fb = b.toFloats();
      for (int k = 0; k < fa.length; k++) {
        assertNotEquals(fa[k], fb[k], a.name() + "[" + k + "] did not change in training");
      }
    }
  }

  @Test void mnistConfigAloneIsNetworkOnly() throws IOException {
    ModelContent c = RoundTrip.importFile(mnist("config.mlc.json"));
    ModelContent zip = RoundTrip.importFile(mnist("Model_RANDOM_INIT_UNTRAINED.zip"));
    assertEquals(zip.network().layers(), c.network().layers());
    assertEquals(List.of(), c.tensors());
  }

  /** A vector staged alone takes its layout from the parent version's DL4J network. */
  @Test void mnistVectorOnBaseNetwork() throws IOException {
    Path bin = mnist("paramsPostTrain.bin");
    ModelContent base = RoundTrip.importFile(mnist("Model_RANDOM_INIT_UNTRAINED.zip"));
    ModelContent withJson = new Dl4jImporter().read(new ImportInput(
        List.of(mnist("config.mlc.json")), List.of(bin), List.of(), Optional.empty()));
    ModelContent alone = new Dl4jImporter().read(
        ImportInput.of(bin, FileRole.WEIGHTS).withBase(base.network()));
    assertEquals(base.network(), alone.network());
    RoundTrip.assertSameTensors(withJson.tensors(), alone.tensors());
  }

  @Test void mnistRoundTrips(@TempDir Path tmp) throws IOException {
    Path zip = mnist("Model_RANDOM_INIT_UNTRAINED.zip");
    ModelContent untrained = RoundTrip.importFile(zip);
    Path a = Files.createDirectory(tmp.resolve("untrained"));
    RoundTrip.check(untrained, a);
    assertEquals(RoundTrip.restoredParamsSha(zip), RoundTrip.restoredParamsSha(
        a.resolve("model.zip")));

    ModelContent trained = new Dl4jImporter().read(new ImportInput(
        List.of(mnist("config.mlc.json")), List.of(mnist("paramsPostTrain.bin")), List.of(),
        Optional.empty()));
    Path b = Files.createDirectory(tmp.resolve("trained"));
    RoundTrip.check(trained, b);
    // the export holds exactly the trained vector
    assertEquals(Nd4jArrays.toTensor("flat", Nd4jArrays.readVector(mnist("paramsPostTrain.bin")))
        .sha256(), RoundTrip.restoredParamsSha(b.resolve("model.zip")));
  }
}
