package org.modelhub.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.Repository;

/**
 * Malformed or truncated model files of every format: one clear message naming the file and
 * the place, exit code 1, and a repository left as it was.
 */
class BadInputCliTest {
  @TempDir Path dir;
  Path repo;

  @BeforeEach void init() {
    repo = dir.resolve("repo");
    DlvRun.run(null, "init", repo.toString()).expect(0);
  }

  private Path truncated(String corpusFile, String name, double fraction) throws IOException {
    byte[] all = Files.readAllBytes(Corpus.path(corpusFile));
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.write(p, Arrays.copyOf(all, (int) (all.length * fraction)));
    return p;
  }

  private void rejected(List<Path> files, String... expected) {
    String[] args = new String[files.size() + 1];
    args[0] = "add";
    for (int i = 0; i < files.size(); i++) {
      args[i + 1] = files.get(i).toString();
    }
    DlvRun r = DlvRun.run(repo, args).expect(1);
    String bad = files.get(files.size() - 1).toString();
    assertTrue(r.err.startsWith("dlv add: error: " + bad), r.err);
    assertTrue(r.err.lines().count() == 1, "one line: " + r.err);
    for (String e : expected) {
      assertTrue(r.err.contains(e), "missing '" + e + "' in: " + r.err);
    }
    try (Repository rr = Repository.open(repo)) {
      assertTrue(rr.stage().files().isEmpty(), "nothing staged");
      assertTrue(rr.catalog().allVersions().isEmpty());
    }
  }

  @Test void malformedPrototxtNamesLineAndColumn() throws IOException {
    Path p = dir.resolve("lenet.prototxt");
    Files.writeString(p, Files.readString(Corpus.path("caffe/lenet.prototxt"))
        .replace("kernel_size: 5", "kernel_size: five"), StandardCharsets.UTF_8);
    rejected(List.of(p), "line 21:18", "five");
  }

  @Test void truncatedCaffemodelNamesTheByte() throws IOException {
    rejected(List.of(truncated("caffe/lenet_iter_10000.caffemodel", "lenet.caffemodel", 0.5)),
        "byte", "truncated");
  }

  @Test void truncatedOnnx() throws IOException {
    rejected(List.of(truncated("onnx/output_cnn_mnist.onnx", "mnist.onnx", 0.6)),
        "byte offset", "truncated");
  }

  @Test void truncatedDl4jZip() throws IOException {
    rejected(List.of(truncated("dl4j/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip", "mlp.zip",
        0.5)), "zip", "truncated");
  }

  @Test void malformedTfjsModelJson() throws IOException {
    Path json = truncated("tfjs/esrgan-slim-x2/model.json", "tf/model.json", 0.4);
    Files.copy(Corpus.path("tfjs/esrgan-slim-x2/group1-shard1of1.bin"),
        json.resolveSibling("group1-shard1of1.bin"));
    rejected(List.of(json), "line 1:column", "malformed JSON");
  }

  @Test void tfjsShardMissing() throws IOException {
    Path json = dir.resolve("tf2/model.json");
    Files.createDirectories(json.getParent());
    Files.copy(Corpus.path("tfjs/esrgan-slim-x2/model.json"), json);
    rejected(List.of(json), "group1-shard1of1.bin");
  }

  @Test void truncatedSafetensors() throws IOException {
    Path st = dir.resolve("w.safetensors");
    Files.write(st, new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0, '{'});
    rejected(List.of(st), "header length 200", "truncated");
  }

  @Test void missingFileAndUnknownVersion() {
    rejected(List.of(dir.resolve("nope.onnx")), "no such file");
    DlvRun v = DlvRun.run(repo, "checkout", "ghost@1", "--out", dir.resolve("o").toString())
        .expect(1);
    assertTrue(v.err.contains("unknown version 'ghost@1': no model named 'ghost'"), v.err);
  }
}
