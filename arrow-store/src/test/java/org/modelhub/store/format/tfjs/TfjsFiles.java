package org.modelhub.store.format.tfjs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.ModelContent;

/** Small TF.js models written by tests, and the corpus files they read. */
final class TfjsFiles {
  static final String ESRGAN = "tfjs/esrgan-slim-x2/model.json";
  static final String ESRGAN_SHARD = "tfjs/esrgan-slim-x2/group1-shard1of1.bin";
  static final String FACE_MANIFEST =
      "tfjs/face-api/tiny_face_detector_model-weights_manifest.json";
  static final String FACE_BIN = "tfjs/face-api/tiny_face_detector_model.bin";

  /**
   * A Sequential MLP in the layout the Python converter writes: Dense(3, relu) on 4 inputs,
   * Dropout(0.25), Dense(2, softmax).
   */
  static final String MLP = """
      {"format": "layers-model", "generatedBy": "keras v2.4.0",
       "convertedBy": "TensorFlow.js Converter v2.0.0",
       "modelTopology": {"keras_version": "2.4.0", "backend": "tensorflow",
        "model_config": {"class_name": "Sequential", "config": {"name": "mlp", "layers": [
         {"class_name": "Dense", "config": {"name": "dense_1", "trainable": true,
          "batch_input_shape": [null, 4], "dtype": "float32", "units": 3,
          "activation": "relu", "use_bias": true}},
         {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": true,
          "rate": 0.25, "noise_shape": null, "seed": null}},
         {"class_name": "Dense", "config": {"name": "dense_2", "trainable": true,
          "dtype": "float32", "units": 2, "activation": "softmax", "use_bias": true}}]}},
        "training_config": {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}},
       "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": [
        {"name": "dense_1/kernel", "shape": [4, 3], "dtype": "float32"},
        {"name": "dense_1/bias", "shape": [3], "dtype": "float32"},
        {"name": "dense_2/kernel", "shape": [3, 2], "dtype": "float32"},
        {"name": "dense_2/bias", "shape": [2], "dtype": "float32"}]}]}
      """;

  /** Values of the MLP's weights, in manifest order. */
  static final int MLP_VALUES = 4 * 3 + 3 + 3 * 2 + 2;

  private TfjsFiles() {
  }

  static Path corpus(String relative) {
    return Corpus.path(relative);
  }

  /** Writes {@code json} as {@code dir/name} and returns its path. */
  static Path write(Path dir, String name, String json) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, json, StandardCharsets.UTF_8);
    return p;
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** Deterministic float32 values, little-endian. */
  static byte[] floats(int n, long seed) {
    Random r = new Random(seed);
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat((float) r.nextGaussian());
    }
    return b.array();
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static ModelContent importModel(Path modelJson) throws IOException {
    return new TfjsImporter().read(ImportInput.of(modelJson, FileRole.MODEL));
  }

  static ModelContent importWeights(Path manifest) throws IOException {
    return new TfjsImporter().read(ImportInput.of(manifest, FileRole.WEIGHTS));
  }

  /** Exports into {@code dir} (created) and imports the model.json written there. */
  static ModelContent roundTrip(ModelContent content, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> files = new TfjsExporter().write(content, dir);
    return importModel(files.get(0));
  }

  static String sha256(Path file) throws IOException {
    return Hashing.sha256Hex(Files.readAllBytes(file));
  }
}
