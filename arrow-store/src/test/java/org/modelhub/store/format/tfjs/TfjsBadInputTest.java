package org.modelhub.store.format.tfjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.FormatException;

/** Malformed, truncated and inconsistent TF.js files fail with a message that says where. */
class TfjsBadInputTest {
  @TempDir Path dir;

  private Path mlp(String json, byte[] shard) throws IOException {
    Path model = TfjsFiles.write(dir, "model.json", json);
    if (shard != null) {
      TfjsFiles.write(dir, "group1-shard1of1.bin", shard);
    }
    return model;
  }

  private static byte[] mlpWeights() {
    return TfjsFiles.floats(TfjsFiles.MLP_VALUES, 9);
  }

  /** Both read and check fail alike; returns the message. */
  private static String failure(Path model) {
    FormatException checked = assertThrows(FormatException.class,
        () -> new TfjsImporter().check(model, FileRole.MODEL));
    FormatException read = assertThrows(FormatException.class,
        () -> TfjsFiles.importModel(model));
    assertEquals(checked.getMessage(), read.getMessage());
    return read.getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
    }
  }

  @Test void malformedJsonSaysLineAndColumn() throws IOException {
    String broken = TfjsFiles.MLP.replace("\"units\": 3,", "\"units\": 3,,");
    Path model = mlp(broken, mlpWeights());
    String line = "line " + (lineOf(broken, "\"units\": 3,,") + 1) + ":column ";
    assertContains(failure(model), model.toString(), line, "malformed JSON",
        "Unexpected character (','");
  }

  @Test void truncatedJson() throws IOException {
    Path model = mlp(TfjsFiles.MLP.substring(0, 200), mlpWeights());
    assertContains(failure(model), model.toString(), "line 4:column ", "malformed JSON",
        "end-of-input");
  }

  @Test void trailingGarbage() throws IOException {
    String json = TfjsFiles.MLP + "\n}";
    Path model = mlp(json, mlpWeights());
    assertContains(failure(model), model.toString(), "malformed JSON",
        "line " + (json.chars().filter(c -> c == '\n').count() + 1) + ":column 1");
  }

  @Test void duplicateKey() throws IOException {
    Path model = mlp(TfjsFiles.MLP.replace("\"units\": 2,", "\"units\": 2, \"units\": 3,"),
        mlpWeights());
    assertContains(failure(model), model.toString(), "malformed JSON",
        "Duplicate field 'units'", "line " + (lineOf(TfjsFiles.MLP, "\"units\": 2,") + 1));
  }

  @Test void missingShard() throws IOException {
    Path model = mlp(TfjsFiles.MLP, null);
    assertContains(failure(model), model.toString(), "weightsManifest[0].paths[0]",
        "'group1-shard1of1.bin' not found", "needed by weight 'dense_1/kernel'");
  }

  @Test void shortShard() throws IOException {
    byte[] cut = Arrays.copyOf(mlpWeights(), 4 * 16);
    Path model = mlp(TfjsFiles.MLP, cut);
    assertContains(failure(model), dir.resolve("group1-shard1of1.bin").toString(), "byte 64",
        "shard too short for weight 'dense_2/kernel'", "float32 [3,2], 24 bytes at bytes 60..84",
        "hold 64 bytes, the manifest needs 92");
  }

  @Test void longShard() throws IOException {
    byte[] longer = Arrays.copyOf(mlpWeights(), 4 * TfjsFiles.MLP_VALUES + 3);
    Path model = mlp(TfjsFiles.MLP, longer);
    assertContains(failure(model), "group1-shard1of1.bin", "byte 92", "3 bytes left over",
        "'dense_2/bias'");
  }

  @Test void negativeDimension() throws IOException {
    Path model = mlp(TfjsFiles.MLP.replace("\"shape\": [3, 2]", "\"shape\": [3, -2]"),
        mlpWeights());
    assertContains(failure(model), model.toString(), "weightsManifest[0].weights[2]",
        "'dense_2/kernel' has a bad shape [3,-2]", "dimension 1");
  }

  @Test void shapeThatDoesNotFitTheLayer() throws IOException {
    // same byte count, so only the layer's configuration can tell
    Path model = mlp(TfjsFiles.MLP.replace("\"shape\": [3, 2]", "\"shape\": [2, 3]"),
        mlpWeights());
    assertContains(failure(model), model.toString(), "weight 'dense_2/kernel' has shape [2,3]",
        "layer 'dense_2' (Dense)", "expected [in,2]");
  }

  @Test void unsupportedDtype() throws IOException {
    Path model = mlp(TfjsFiles.MLP.replace("\"shape\": [3], \"dtype\": \"float32\"",
        "\"shape\": [3], \"dtype\": \"complex64\""), mlpWeights());
    assertContains(failure(model), "'dense_1/bias'", "unsupported dtype 'complex64'");
  }

  @Test void quantizationWithoutScale() throws IOException {
    Path model = mlp(TfjsFiles.MLP.replace("\"shape\": [3], \"dtype\": \"float32\"",
        "\"shape\": [3], \"dtype\": \"float32\", \"quantization\": {\"dtype\": \"uint8\"}"),
        mlpWeights());
    assertContains(failure(model), "'dense_1/bias'", "uint8 quantization needs numeric");
  }

  @Test void unknownInboundLayer() throws IOException {
    String json = """
        {"modelTopology": {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "in"},
           "name": "in", "inbound_nodes": []},
          {"class_name": "Flatten", "config": {"name": "f"}, "name": "f",
           "inbound_nodes": [[["nowhere", 0, 0, {}]]]}]}},
         "weightsManifest": []}
        """;
    Path model = TfjsFiles.write(dir, "model.json", json);
    assertContains(failure(model), model.toString(), "layers[1] (f)",
        "takes input from unknown layer 'nowhere'");
  }

  @Test void malformedInboundNode() throws IOException {
    String json = """
        {"modelTopology": {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "Flatten", "config": {"name": "f"}, "name": "f",
           "inbound_nodes": [[[0, 0, 0, {}]]]}]}},
         "weightsManifest": []}
        """;
    Path model = TfjsFiles.write(dir, "model.json", json);
    assertContains(failure(model), "layer 'f'", "inbound_nodes[0][0] must be [layer_name");
  }

  @Test void duplicateLayerName() throws IOException {
    String json = TfjsFiles.MLP.replace("\"name\": \"dropout_1\"", "\"name\": \"dense_1\"");
    Path model = mlp(json, mlpWeights());
    assertContains(failure(model), "duplicate layer name 'dense_1'");
  }

  @Test void graphModelIsNotALayersModel() throws IOException {
    Path model = TfjsFiles.write(dir, "model.json", """
        {"format": "graph-model", "modelTopology": {"node": []}, "weightsManifest": []}
        """);
    assertContains(failure(model), model.toString(), "format 'graph-model' is not supported");
  }

  @Test void manifestThatIsNotAList() throws IOException {
    Path model = mlp(TfjsFiles.MLP.replaceFirst("\"weightsManifest\": \\[",
        "\"weightsManifest\": {\"x\": [").replaceFirst("]}]}\\s*$", "]}]}}"), mlpWeights());
    assertContains(failure(model), "weightsManifest", "must be a list of groups");
  }

  @Test void badManifestFile() throws IOException {
    Path manifest = TfjsFiles.write(dir, "x-weights_manifest.json",
        "[{\"paths\": [\"x.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [2],"
            + " \"dtype\": \"float32\"}]}]");
    FormatException e = assertThrows(FormatException.class,
        () -> new TfjsImporter().check(manifest, FileRole.WEIGHTS));
    assertContains(e.getMessage(), manifest.toString(), "'x.bin' not found",
        "needed by weight 'a'");
  }

  @Test void remoteShardIsRefused() throws IOException {
    Path model = mlp(TfjsFiles.MLP.replace("\"group1-shard1of1.bin\"",
        "\"https://example.com/w.bin\""), mlpWeights());
    assertContains(failure(model), "is remote");
  }

  private static int lineOf(String text, String part) {
    String before = text.substring(0, text.indexOf(part));
    return (int) before.chars().filter(c -> c == '\n').count();
  }

  @Test void emptyFile() throws IOException {
    Path model = TfjsFiles.write(dir, "model.json", "");
    assertContains(failure(model), model.toString(), "empty file");
    assertTrue(Files.exists(model));
  }
}
