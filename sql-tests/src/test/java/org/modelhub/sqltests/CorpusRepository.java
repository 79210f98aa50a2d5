package org.modelhub.sqltests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.modelhub.store.Commit;
import org.modelhub.store.Corpus;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.TrainingLog;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;

/**
 * Builds the repository the {@code .iq} scripts query, from real models of the shared corpus,
 * through the store's public API.
 *
 * <p>Every version has a fixed creation time and author, so content ids (a sha256 over
 * content and metadata) and therefore every expected output stay the same from run to run.
 *
 * <ul>
 *   <li>alexnet@1: bvlc_alexnet.deploy.prototxt, network only;</li>
 *   <li>lenet@1: lenet.prototxt + lenet_iter_10000.caffemodel, a CSV training log (metrics,
 *   hyperparameters) and a notes file;</li>
 *   <li>lenet@2: fine-tune of lenet@1, ip2/W and ip2/b replaced by generated values (lineage
 *   kind fine-tune), a JSON training log;</li>
 *   <li>lenet-deploy@1: copy of lenet@2 (lineage kind copy);</li>
 *   <li>regression@1..4: the DL4J regression MLP as saved by DL4J 0.5.0, 0.6.0, 0.7.1 and
 *   0.8.0;</li>
 *   <li>mlpmnist@1, @2: DL4J MLPMnist untrained (zip), then trained (config.mlc.json +
 *   paramsPostTrain.bin);</li>
 *   <li>one saved DQL statement, lenet-family, with the three LeNet versions it selects.</li>
 * </ul>
 */
final class CorpusRepository {
  static final String AUTHOR = "sql-tests";

  /** The generated ip2/W of lenet@2: the values ((i mod 11) - 5) / 100. */
  private static float[] fineTunedIp2Weights() {
    float[] v = new float[10 * 500];
    for (int i = 0; i < v.length; i++) {
      v[i] = ((i % 11) - 5) / 100f;
    }
    return v;
  }

  /** The generated ip2/b of lenet@2: 0.0, 0.1, ..., 0.9. */
  private static float[] fineTunedIp2Bias() {
    float[] v = new float[10];
    for (int i = 0; i < v.length; i++) {
      v[i] = i / 10f;
    }
    return v;
  }

  private final Repository repo;

  private CorpusRepository(Repository repo) {
    this.repo = repo;
  }

  /** Deletes {@code dir} if it exists and builds the repository there. */
  static void build(Path dir) {
    deleteRecursively(dir);
    try (Repository repo = Repository.init(dir)) {
      new CorpusRepository(repo).commitAll();
    }
  }

  private void commitAll() {
    commit("alexnet", "2024-01-10T09:00:00Z", "AlexNet network (BVLC deploy), no weights",
        "caffe/bvlc_alexnet.deploy.prototxt").run(Progress.NONE);

    VersionInfo lenet1 = commit("lenet", "2024-01-11T09:00:00Z",
        "LeNet after 10,000 iterations", "caffe/lenet.prototxt",
        "caffe/lenet_iter_10000.caffemodel")
        .metrics(log("lenet-train-log.csv").metrics())
        .hyperparams(log("lenet-train-log.csv").hyperparams())
        .file("train-log.csv", resource("lenet-train-log.csv"))
        .file("notes.md", resource("lenet-notes.md"))
        .run(Progress.NONE);

    VersionInfo lenet2 = repo.newCommit().model("lenet").author(AUTHOR)
        .created(Instant.parse("2024-01-12T09:00:00Z"))
        .message("fine-tune: ip2 re-initialised, other layers frozen")
        .content(fineTune(repo.content(lenet1, Progress.NONE)))
        .metrics(log("lenet-finetune-log.json").metrics())
        .hyperparams(log("lenet-finetune-log.json").hyperparams())
        .file("finetune-log.json", resource("lenet-finetune-log.json"))
        .kind(LineageEdge.FINE_TUNE)
        .run(Progress.NONE);

    // what Repository.copy does, with a fixed creation time and author
    Commit copy = repo.newCommit().model("lenet-deploy").author(AUTHOR)
        .created(Instant.parse("2024-01-13T09:00:00Z")).message("copy of lenet@2")
        .sameContentAs(lenet2).parent(lenet2, LineageEdge.COPY);
    repo.catalog().files(lenet2.id()).forEach(copy::storedFile);
    copy.run(Progress.NONE);

    String[] releases = {"050", "060", "071", "080"};
    String[] names = {"0.5.0", "0.6.0", "0.7.1", "0.8.0"};
    for (int i = 0; i < releases.length; i++) {
      commit("regression", "2024-02-0" + (i + 1) + "T09:00:00Z",
          "MLP saved by DL4J " + names[i],
          "dl4j/regression/" + releases[i] + "_ModelSerializer_Regression_MLP_1.zip")
          .run(Progress.NONE);
    }

    commit("mlpmnist", "2024-03-01T09:00:00Z", "MLPMnist, random initialisation",
        "dl4j/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip").run(Progress.NONE);
    commit("mlpmnist", "2024-03-02T09:00:00Z", "MLPMnist, trained",
        "dl4j/MLPMnist/config.mlc.json", "dl4j/MLPMnist/paramsPostTrain.bin")
        .run(Progress.NONE);

    // what 'dlv query --name lenet-family' saves: the statement and the versions it returned
    VersionInfo deploy = repo.resolve("lenet-deploy@1");
    repo.catalog().saveQuery("lenet-family", "select m1 where m1.name like \"lenet%\"",
        Instant.parse("2024-03-03T09:00:00Z"), List.of(deploy.id(), lenet2.id(), lenet1.id()));
  }

  /** A commit of corpus files read by the importer that recognises them. */
  private Commit commit(String model, String created, String message, String... files) {
    List<Path> networks = new ArrayList<>();
    List<Path> weights = new ArrayList<>();
    List<Path> models = new ArrayList<>();
    String format = null;
    try {
      for (String f : files) {
        Path p = Corpus.path(f);
        Formats.Recognized r = Formats.get().recognize(p).orElseThrow(
            () -> new IllegalStateException("no importer recognises " + p));
        format = r.importer().format();
        (r.role() == FileRole.NETWORK ? networks : r.role() == FileRole.WEIGHTS ? weights
            : models).add(p);
      }
      ModelContent content = Formats.get().importer(format).read(
          new ImportInput(networks, weights, models, Optional.empty()));
      return repo.newCommit().model(model).author(AUTHOR).created(Instant.parse(created))
          .message(message).format(format).content(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same network and weights, with ip2's tensors replaced by generated values. */
  private static ModelContent fineTune(ModelContent c) {
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : c.tensors()) {
      switch (t.name()) {
        case "ip2/W":
          tensors.add(Tensor.ofFloats(t.name(), t.shape(), fineTunedIp2Weights()));
          break;
        case "ip2/b":
          tensors.add(Tensor.ofFloats(t.name(), t.shape(), fineTunedIp2Bias()));
          break;
        default:
          tensors.add(t);
      }
    }
    return new ModelContent(c.network(), tensors, Map.of(), List.of());
  }

  private static TrainingLog log(String name) {
    try {
      return TrainingLog.read(resource(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path resource(String name) {
    URL url = CorpusRepository.class.getResource("/repo/" + name);
    if (url == null) {
      throw new IllegalStateException("test resource missing: repo/" + name);
    }
    try {
      return Paths.get(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
