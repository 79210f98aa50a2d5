package org.modelhub.dl4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;

/** Export, re-import and compare: the checks every DL4J test model goes through. */
final class RoundTrip {
  private RoundTrip() {
  }

  static ModelContent importFile(Path file) throws IOException {
    Dl4jImporter importer = new Dl4jImporter();
    FileRole role = importer.recognize(file).orElseThrow(
        () -> new AssertionError(file + " not recognised as dl4j"));
    return importer.read(ImportInput.of(file, role));
  }

  /**
   * Exports {@code content} into {@code dir}, imports the zip back and asserts that network,
   * hyperparameters and tensors (names, dtypes, shapes, sha256) are identical.
   */
  static ModelContent check(ModelContent content, Path dir) throws IOException {
    List<Path> written = new Dl4jExporter().write(content, dir);
    assertEquals(List.of(dir.resolve("model.zip")), written);
    try (ZipFile zip = new ZipFile(written.get(0).toFile())) {
      assertNotNull(zip.getEntry("configuration.json"));
      assertNotNull(zip.getEntry("coefficients.bin"));
      assertNull(zip.getEntry("updaterState.bin"), "export writes no updater state");
    }
    ModelContent back = importFile(written.get(0));
    assertEquals(content.network().layers(), back.network().layers());
    assertEquals(content.network().attrs(), back.network().attrs());
    assertEquals(content.hyperparams(), back.hyperparams());
    assertSameTensors(content.tensors(), back.tensors());
    return back;
  }

  static void assertSameTensors(List<Tensor> expected, List<Tensor> actual) {
    assertEquals(names(expected), names(actual));
    for (int i = 0; i < expected.size(); i++) {
      Tensor e = expected.get(i);
      Tensor a = actual.get(i);
      assertEquals(e.dtype(), a.dtype(), e.name());
      assertArrayEquals(e.shape(), a.shape(), e.name());
      assertEquals(e.sha256(), a.sha256(), e.name());
    }
  }

  static List<String> names(List<Tensor> tensors) {
    return tensors.stream().map(Tensor::name).toList();
  }

  /** Largest absolute difference between two tensors of the same shape. */
  static double maxAbsDiff(Tensor a, Tensor b) {
    assertArrayEquals(a.shape(), b.shape(), a.name());
    double max = 0;
    for (long i = 0; i < a.numValues(); i++) {
      max = Math.max(max, Math.abs(a.valueAt(i) - b.valueAt(i)));
    }
    return max;
  }

  /** The sha256 of a network's flat parameter vector as DL4J itself restores it from a zip. */
  static String restoredParamsSha(Path zip) throws IOException {
    String json;
    try (ZipFile z = new ZipFile(zip.toFile())) {
      json = new String(z.getInputStream(z.getEntry("configuration.json")).readAllBytes(),
          StandardCharsets.UTF_8);
    }
    Model model = json.contains("\"vertices\"") && !json.contains("\"confs\"")
        ? ModelSerializer.restoreComputationGraph(zip.toFile(), false)
        : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
    return Nd4jArrays.toTensor("flat", model.params()).sha256();
  }

  static Path copyPrefix(Path source, long bytes, Path target) throws IOException {
    byte[] all = Files.readAllBytes(source);
    Files.write(target, Arrays.copyOf(all, Math.toIntExact(bytes)));
    return target;
  }
}
