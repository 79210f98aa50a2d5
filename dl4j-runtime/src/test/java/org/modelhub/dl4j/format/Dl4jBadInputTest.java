package org.modelhub.dl4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Damaged and inconsistent DL4J inputs: each is a FormatException naming file and place. */
class Dl4jBadInputTest {
  private static final Path MLP = Corpus.path("dl4j/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip");
  private static final Path CONFIG = Corpus.path("dl4j/MLPMnist/config.mlc.json");
  private static final Path VECTOR = Corpus.path("dl4j/MLPMnist/paramsPostTrain.bin");
  private static final Path SMALL =
      Corpus.path("dl4j/regression/080_ModelSerializer_Regression_MLP_1.zip");

  private final Dl4jImporter importer = new Dl4jImporter();

  /** Reads {@code file} in its role and returns the message of the FormatException. */
  private String failure(Path file, FileRole role) {
    FormatException e = assertThrows(FormatException.class,
        () -> importer.read(ImportInput.of(file, role)));
    assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
    // check, as dlv add runs it, refuses the file the same way
    FormatException c = assertThrows(FormatException.class, () -> importer.check(file, role));
    assertEquals(e.getMessage(), c.getMessage());
    return e.getMessage();
  }

  private String failure(Path json, Path bin) {
    FormatException e = assertThrows(FormatException.class, () -> importer.read(
        new ImportInput(List.of(json), List.of(bin), List.of(), Optional.empty())));
    return e.getMessage();
  }

  private static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    }
    return file;
  }

  /** The two entries of a model zip, configuration first as ModelSerializer writes them. */
  private static Map<String, byte[]> model(byte[] configuration, byte[] coefficients) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("configuration.json", configuration);
    m.put("coefficients.bin", coefficients);
    return m;
  }

  private static byte[] entry(Path zip, String name) throws IOException {
    try (ZipFile z = new ZipFile(zip.toFile())) {
      return z.getInputStream(z.getEntry(name)).readAllBytes();
    }
  }

  private static Path nd4j(Path file, INDArray array) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
         DataOutputStream data = new DataOutputStream(out)) {
      Nd4j.write(array, data);
    }
    return file;
  }

  @Test void truncatedZip(@TempDir Path tmp) throws IOException {
    Path cut = RoundTrip.copyPrefix(MLP, Files.size(MLP) / 2, tmp.resolve("cut.zip"));
    // still recognised by its first entry, so that dlv add reports what is wrong with it
    assertEquals(Optional.of(FileRole.MODEL), importer.recognize(cut));
    String m = failure(cut, FileRole.MODEL);
    assertEquals(cut + ": byte " + Files.size(cut) + " (end of file): not a readable zip archive,"
        + " truncated or damaged: zip END header not found", m);
  }

  @Test void zipWithoutConfiguration(@TempDir Path tmp) throws IOException {
    Path z = zip(tmp.resolve("noconf.zip"), Map.of("coefficients.bin",
        entry(SMALL, "coefficients.bin")));
    assertEquals(Optional.of(FileRole.MODEL), importer.recognize(z));
    assertEquals(z + ": not a DL4J model zip: it has no entry configuration.json"
        + " (entries: coefficients.bin)", failure(z, FileRole.MODEL));
  }

  @Test void zipWithoutCoefficients(@TempDir Path tmp) throws IOException {
    Path z = zip(tmp.resolve("nocoef.zip"), Map.of("configuration.json",
        entry(SMALL, "configuration.json")));
    assertEquals(z + ": not a DL4J model zip: it has no entry coefficients.bin for the 41"
        + " parameters its configuration needs", failure(z, FileRole.MODEL));
  }

  @Test void zipWithTruncatedCoefficients(@TempDir Path tmp) throws IOException {
    byte[] coef = entry(SMALL, "coefficients.bin");
    Path z = zip(tmp.resolve("short.zip"),
        model(entry(SMALL, "configuration.json"), Arrays.copyOf(coef, 100)));
    assertEquals(z + ": entry coefficients.bin, byte 70: the array announces 41 FLOAT values"
        + " (164 bytes) but only 30 bytes follow (truncated)", failure(z, FileRole.MODEL));
  }

  @Test void zipWithParametersOfAnotherNetwork(@TempDir Path tmp) throws IOException {
    Path z = zip(tmp.resolve("mixed.zip"),
        model(entry(SMALL, "configuration.json"), entry(MLP, "coefficients.bin")));
    assertEquals(z + ": entry coefficients.bin: the parameter vector has 50890 values but the"
        + " configuration needs 41", failure(z, FileRole.MODEL));
  }

  @Test void zipWithBadConfiguration(@TempDir Path tmp) throws IOException {
    String json = new String(entry(SMALL, "configuration.json"), StandardCharsets.UTF_8);
    Path z = zip(tmp.resolve("badconf.zip"), model(
        json.replaceFirst("\"backprop\" : true,", "\"backprop\" : true")
            .getBytes(StandardCharsets.UTF_8),
        entry(SMALL, "coefficients.bin")));
    assertEquals(z + ": entry configuration.json, line 3:3: invalid JSON: Unexpected character"
        + " ('\"' (code 34)): was expecting comma to separate Object entries",
        failure(z, FileRole.MODEL));
  }

  @Test void configurationWithSyntaxError(@TempDir Path tmp) throws IOException {
    String json = Files.readString(CONFIG);
    Path bad = tmp.resolve("bad.json");
    // drop the comma that ends line 3
    Files.writeString(bad, json.replaceFirst("\"cacheMode\" : \"NONE\",",
        "\"cacheMode\" : \"NONE\""));
    assertEquals(bad + ": line 4:3: invalid JSON: Unexpected character ('\"' (code 34)): was"
        + " expecting comma to separate Object entries", failure(bad, FileRole.NETWORK));
  }

  @Test void configurationWithUnknownLayer(@TempDir Path tmp) throws IOException {
    String json = Files.readString(CONFIG);
    Path bad = tmp.resolve("unknown.json");
    Files.writeString(bad, json.replace("org.deeplearning4j.nn.conf.layers.DenseLayer",
        "org.deeplearning4j.nn.conf.layers.NoSuchLayer"));
    // recognised by its keys, refused for its content
    assertEquals(Optional.of(FileRole.NETWORK), importer.recognize(bad));
    assertEquals(bad + ": line 10:18: invalid DL4J MultiLayerNetwork configuration: Could not"
        + " resolve type id 'org.deeplearning4j.nn.conf.layers.NoSuchLayer' as a subtype of"
        + " `org.deeplearning4j.nn.conf.layers.Layer`: no such class found (at confs[0].layer)",
        failure(bad, FileRole.NETWORK));
  }

  @Test void jsonThatIsNotAConfiguration(@TempDir Path tmp) throws IOException {
    Path other = tmp.resolve("other.json");
    Files.writeString(other, "{\"format\": \"modelhub-network\", \"layers\": []}");
    assertEquals(Optional.empty(), importer.recognize(other));
    assertEquals(other + ": not a DL4J network configuration: no \"confs\" array"
        + " (MultiLayerConfiguration) and no \"vertices\" object (ComputationGraphConfiguration)"
        + " at the top level", failure(other, FileRole.NETWORK));
  }

  @Test void vectorOfWrongLength(@TempDir Path tmp) throws IOException {
    Path bin = nd4j(tmp.resolve("short.bin"), Nd4j.linspace(1, 100, 100).reshape(1, 100));
    assertEquals(Optional.of(FileRole.WEIGHTS), importer.recognize(bin));
    assertEquals(bin + ": the parameter vector has 100 values but the configuration"
        + " config.mlc.json needs 50890", failure(CONFIG, bin));
  }

  @Test void vectorThatIsAMatrix(@TempDir Path tmp) throws IOException {
    Path bin = nd4j(tmp.resolve("matrix.bin"), Nd4j.zeros(3, 4));
    assertEquals(bin + ": an Nd4j parameter vector must be flat, but the array has shape [3,4]",
        failure(bin, FileRole.WEIGHTS));
  }

  @Test void truncatedVector(@TempDir Path tmp) throws IOException {
    Path bin = RoundTrip.copyPrefix(VECTOR, 1000, tmp.resolve("cut.bin"));
    assertEquals(bin + ": byte 129: the array announces 50890 FLOAT values (203560 bytes) but"
        + " only 871 bytes follow (truncated)", failure(CONFIG, bin));
    Path head = RoundTrip.copyPrefix(VECTOR, 20, tmp.resolve("head.bin"));
    assertEquals(head + ": byte 20: not a readable Nd4j array: the data ends early (truncated)",
        failure(head, FileRole.WEIGHTS));
  }

  /** Nd4j would trust this length and crash the JVM writing past its buffer. */
  @Test void vectorWithDamagedLength(@TempDir Path tmp) throws IOException {
    byte[] bytes = Files.readAllBytes(VECTOR);
    // the data buffer's header starts at byte 96: mode (2 + 16 bytes), then its length
    ByteBuffer.wrap(bytes).putLong(96 + 18, 1L << 62);
    Path bin = Files.write(tmp.resolve("damaged.bin"), bytes);
    assertEquals(bin + ": byte 129: the shape [1,50890] has 50890 values but the data buffer"
        + " announces 4611686018427387904", failure(bin, FileRole.WEIGHTS));
  }

  @Test void vectorOfIntegers(@TempDir Path tmp) throws IOException {
    Path bin = nd4j(tmp.resolve("ints.bin"),
        Nd4j.createFromArray(new int[] {1, 2, 3}).reshape(1, 3));
    assertEquals(bin + ": byte 122: the parameter buffer holds INT values; expected BFLOAT16 or"
        + " DOUBLE or FLOAT or HALF", failure(bin, FileRole.WEIGHTS));
  }

  @Test void vectorWithoutNetwork() {
    FormatException e = assertThrows(FormatException.class,
        () -> importer.read(ImportInput.of(VECTOR, FileRole.WEIGHTS)));
    assertEquals(VECTOR + ": an Nd4j parameter vector needs its DL4J network: stage the"
        + " configuration JSON with it, or commit it on top of a version imported from DL4J",
        e.getMessage());
  }

  @Test void vectorOnNetworkFromAnotherFormat() {
    Network caffe = new Network("lenet", List.of(
        new Layer("data", LayerTypes.INPUT, Map.of(), List.of()),
        new Layer("ip1", LayerTypes.FC, Map.of("units", 10), List.of("data"))),
        Map.of("caffe", Map.of("name", "LeNet")));
    FormatException e = assertThrows(FormatException.class,
        () -> importer.read(ImportInput.of(VECTOR, FileRole.WEIGHTS).withBase(caffe)));
    assertTrue(e.getMessage().startsWith(VECTOR + ": the parent network 'lenet' was not"
        + " imported from DL4J"), e.getMessage());
  }

  @Test void vectorOnNetworkOfAnotherSize() throws IOException {
    Network small = RoundTrip.importFile(SMALL).network();
    FormatException e = assertThrows(FormatException.class,
        () -> importer.read(ImportInput.of(VECTOR, FileRole.WEIGHTS).withBase(small)));
    assertEquals(VECTOR + ": the parameter vector has 50890 values but the DL4J configuration"
        + " of the parent network '080_ModelSerializer_Regression_MLP_1' needs 41",
        e.getMessage());
  }

  @Test void recognisesOnlyDl4jFiles(@TempDir Path tmp) throws IOException {
    assertEquals(Optional.empty(),
        importer.recognize(Corpus.path("keras/mnist_mlp_tf_keras_2_config.json")));
    assertEquals(Optional.empty(), importer.recognize(Corpus.path("caffe/lenet.prototxt")));
    assertEquals(Optional.empty(),
        importer.recognize(Corpus.path("onnx/output_cnn_mnist.onnx")));
    Path plainZip = zip(tmp.resolve("plain.zip"), Map.of("readme.txt", new byte[] {'h', 'i'}));
    assertEquals(Optional.empty(), importer.recognize(plainZip));
    Path raw = Files.write(tmp.resolve("raw.bin"), new byte[] {0, 0, -128, 63, 0, 0, 0, 64});
    assertEquals(Optional.empty(), importer.recognize(raw));
  }
}
