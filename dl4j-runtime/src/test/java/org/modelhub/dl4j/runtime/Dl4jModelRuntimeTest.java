package org.modelhub.dl4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.Fsck;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.runtime.Candidate;
import org.modelhub.store.runtime.CandidateResult;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.EvaluateCancelledException;
import org.modelhub.store.runtime.EvaluateListener;
import org.modelhub.store.runtime.EvaluateRequest;
import org.modelhub.store.runtime.EvaluateResult;
import org.modelhub.store.runtime.GridAxis;
import org.modelhub.store.runtime.KeepRule;
import org.modelhub.store.runtime.ModelRuntime;
import org.modelhub.store.runtime.Setting;
import org.modelhub.store.runtime.TestResult;
import org.modelhub.store.runtime.TrainingConfig;

/** Real training and testing through the runtime, on a repository folder. */
class Dl4jModelRuntimeTest {
  @TempDir Path dir;
  private Repository repo;
  private final ModelRuntime runtime = ModelRuntime.load();

  @BeforeEach void open() {
    repo = Repository.init(dir.resolve("repo"));
  }

  @AfterEach void close() {
    repo.close();
  }

  private VersionInfo commitLenet() {
    return repo.newCommit().model("lenet").message("Caffe LeNet, MNIST-trained")
        .format("caffe").content(CorpusModels.caffeLenet()).run(Progress.NONE);
  }

  private Path config(String text) throws IOException {
    return Files.writeString(dir.resolve("train.conf"), "input_data: "
        + Corpus.path(CorpusModels.FASHION) + "\n" + text);
  }

  private void assertFsckClean() {
    Fsck.Report r = new Fsck(repo).run(Progress.NONE);
    assertTrue(r.ok(), r.errors().toString());
    assertEquals(List.of(), r.dangling(), "no object left behind");
  }

  @Test void testPhaseIsRecordedBesideTheVersion() {
    VersionInfo v = commitLenet();
    Path data = Corpus.path(CorpusModels.FASHION);
    TrainingConfig c = TrainingConfig.defaults().with(Setting.config(TrainingConfig.EXAMPLES),
        "300");
    TestResult r = runtime.test(repo, v, data, c, Progress.NONE, new Cancellation());
    assertEquals(300, r.examples());
    assertEquals(300, r.confusion().total());
    assertEquals(r.confusion().accuracy(), r.accuracy());
    assertTrue(r.loss() > 0 && Double.isFinite(r.loss()), "loss " + r.loss());
    TestResult again = runtime.test(repo, v, data, c, Progress.NONE, new Cancellation());
    assertEquals(r.accuracy(), again.accuracy(), "a test does not change the version");
    List<Metric> eval = repo.catalog().metrics(v.id()).stream()
        .filter(m -> m.name().equals("eval.accuracy")).toList();
    assertEquals(List.of(new Metric("eval.accuracy", 1, r.accuracy()),
        new Metric("eval.accuracy", 2, r.accuracy())), eval, "one step per test");
    assertEquals(103, repo.catalog().metrics(v.id()).stream().filter(m -> m.step() == 2)
        .count(), "loss, accuracy, examples and 10x10 confusion counts");
    assertEquals(data.toString(), repo.catalog().hyperparams(v.id()).get("eval.2.data"));
    assertEquals(v, repo.resolve("lenet@1"), "the version row is unchanged");
    ModelContent content = repo.content(v, Progress.NONE);
    assertTrue(content.metrics().isEmpty() && content.hyperparams().isEmpty(),
        "tests are not the version's content");
    VersionInfo copy = repo.copy(v, "lenet-copy", null);
    assertFalse(repo.catalog().hyperparams(copy.id()).containsKey("eval.1.data"),
        "a copy does not inherit the source's tests");
    assertFsckClean();
  }

  @Test void evaluateKeepsTheBestAndRecordsEveryCandidate() throws IOException {
    VersionInfo lenet = commitLenet();
    Path conf = config("base_lr: 0.01\nbatch_size: 16\niterations: 5\nupdater: sgd\n"
        + "momentum: 0.9\nexamples: 320\ntest_fraction: 0.25\nseed: 1\n");
    List<String> events = new ArrayList<>();
    EvaluateListener listener = new EvaluateListener() {
      @Override public void candidateStarted(Candidate c, long from, long target) {
        events.add("start " + c.number() + " " + from + "->" + target);
      }

      @Override public void candidateFinished(CandidateResult r) {
        events.add("done " + r.candidate().number() + " " + r.kept());
      }
    };
    EvaluateResult result = runtime.evaluate(repo, new EvaluateRequest(List.of("lenet@1"),
        conf, List.of(GridAxis.of(Setting.config(TrainingConfig.BASE_LR), List.of("0.05",
            "0.0001")), GridAxis.auto(Setting.layer("conv*", TrainingConfig.LR))),
        new KeepRule(2, "loss", 2), "lenet-tuning"), listener, new Cancellation());
    List<CandidateResult> rows = result.candidates();
    assertEquals("lenet-tuning", result.runModel());
    assertEquals(6, rows.size(), "2 base_lr x 3 conv lr (auto: 0, 0.001, 0.01)");
    assertEquals(Map.of("config.base_lr", "0.05", "m[\"conv*\"].lr", "0"),
        rows.get(0).candidate().settings());
    List<CandidateResult> kept = rows.stream().filter(CandidateResult::kept).toList();
    assertEquals(2, kept.size());
    double worstKept = kept.stream().mapToDouble(CandidateResult::metricAtCut).max()
        .orElseThrow();
    for (CandidateResult r : rows) {
      assertEquals("val_loss", r.metric());
      assertEquals(r.kept() ? 5 : 2, r.iterations());
      assertEquals(r.kept(), r.rank() <= 2, "kept are ranked first");
      if (!r.kept()) {
        assertTrue(r.metricAtCut() >= worstKept, "stopped ones measured no better at the cut");
      }
      VersionInfo v = repo.catalog().version(r.versionId()).orElseThrow();
      assertEquals("lenet-tuning", v.model());
      assertEquals(List.of(new LineageEdge(lenet.id(), v.id(), LineageEdge.FINE_TUNE, 0)),
          repo.catalog().parents(v.id()));
      List<Metric> log = repo.catalog().metrics(v.id());
      assertEquals(r.iterations(), log.stream().filter(m -> m.name().equals("loss")).count(),
          "a training loss per iteration");
      assertTrue(log.contains(new Metric("val_loss", 2, r.metricAtCut())), log.toString());
      Map<String, String> hp = repo.catalog().hyperparams(v.id());
      assertEquals(r.candidate().settings().get("config.base_lr"), hp.get("base_lr"));
      assertEquals(Boolean.toString(r.kept()), hp.get("evaluate.kept"));
      assertEquals("scale 0.003921569", hp.get("normalization"));
      boolean frozen = r.candidate().settings().get("m[\"conv*\"].lr").equals("0");
      for (String t : List.of("conv1/W", "conv2/b")) {
        TensorEntry before = repo.catalog().tensor(lenet.id(), t).orElseThrow();
        TensorEntry after = repo.catalog().tensor(v.id(), t).orElseThrow();
        assertEquals(frozen, before.sha256().equals(after.sha256()),
            t + " is stored once exactly when conv layers are frozen: " + r);
      }
      assertFalse(repo.catalog().tensor(lenet.id(), "ip1/W").orElseThrow().sha256().equals(
          repo.catalog().tensor(v.id(), "ip1/W").orElseThrow().sha256()), "ip1 trained");
    }
    assertEquals(8, events.stream().filter(e -> e.startsWith("start")).count(),
        "6 starts, then 2 resumptions after the cut");
    assertTrue(events.contains("start " + kept.get(0).candidate().number() + " 2->5"), events
        .toString());
    assertFsckClean();
  }

  @Test void evaluateOverConstructedVersions() throws IOException {
    VersionInfo lenet = commitLenet();
    ModelContent relu = Dl4jGraphTest.insertRelu(Dl4jGraphTest.insertRelu(
        repo.content(lenet, Progress.NONE), "conv1", "relu_c1"), "conv2", "relu_c2");
    VersionInfo constructed = repo.newCommit().model("lenet-relu").message("construct: relu"
        + " after each conv").parent(lenet, LineageEdge.CONSTRUCT).content(relu)
        .format("caffe").run(Progress.NONE);
    Path conf = config("base_lr: 0.01\nbatch_size: 16\niterations: 4\nexamples: 200\n"
        + "seed: 2\n");
    EvaluateResult result = runtime.evaluate(repo, new EvaluateRequest(List.of("lenet@1",
        constructed.id()), conf, List.of(GridAxis.of(Setting.config(TrainingConfig.BATCH_SIZE),
        List.of("16"))), new KeepRule(1, "accuracy", 2), null), EvaluateListener.NONE,
        new Cancellation());
    assertTrue(result.runModel().startsWith("evaluate-"), result.runModel());
    assertEquals(List.of("lenet@1", "lenet-relu@1"), result.candidates().stream()
        .map(r -> r.candidate().sourceLabel()).toList());
    assertEquals(1, result.candidates().stream().filter(CandidateResult::kept).count());
    CandidateResult fromRelu = result.candidates().get(1);
    assertEquals("val_accuracy", fromRelu.metric());
    VersionInfo v = repo.catalog().version(fromRelu.versionId()).orElseThrow();
    assertEquals(constructed.id(), repo.catalog().parents(v.id()).get(0).parentId());
    assertEquals(repo.network(constructed), repo.network(v), "the network is the source's");
    assertFsckClean();
  }

  @Test void irisMlpLearnsFromXavierAndTestsWithItsNormalization() throws IOException {
    VersionInfo mlp = repo.newCommit().model("mlp").message("4-16-3, no weights")
        .content(new ModelContent(TestNets.weightlessMlp(4, 16, 3), List.of()))
        .run(Progress.NONE);
    Path iris = Corpus.path(CorpusModels.IRIS);
    Path conf = Files.writeString(dir.resolve("iris.conf"), "input_data: " + iris
        + "\nupdater: adam\nbase_lr: 0.05\nbatch_size: 16\niterations: 40\nseed: 5\n");
    EvaluateResult result = runtime.evaluate(repo, new EvaluateRequest(List.of("mlp"), conf,
        List.of(), null, "mlp-iris"), EvaluateListener.NONE, new Cancellation());
    CandidateResult r = result.candidates().get(0);
    assertTrue(r.kept());
    assertEquals(40, r.iterations());
    VersionInfo trained = repo.resolve(r.versionLabel());
    double accuracy = repo.catalog().metrics(trained.id()).stream()
        .filter(m -> m.name().equals("val_accuracy")).reduce((a, b) -> b).orElseThrow()
        .value();
    assertTrue(accuracy > 0.8, "held-out accuracy " + accuracy);
    assertEquals(List.of("fc1/W", "fc1/b", "fc2/W", "fc2/b"), repo.catalog()
        .tensors(trained.id()).stream().map(TensorEntry::name).toList());
    TestResult test = runtime.test(repo, trained, iris, null, Progress.NONE,
        new Cancellation());
    assertEquals(List.of("setosa", "versicolor", "virginica"), test.confusion().classes());
    assertTrue(test.accuracy() > 0.8, "standardised as in training: " + test.accuracy());
  }

  @Test void cancelAndInterruptStopCleanly() throws Exception {
    commitLenet();
    Path conf = config("batch_size: 8\niterations: 4\nexamples: 80\nseed: 3\n");
    EvaluateRequest request = new EvaluateRequest(List.of("lenet"), conf, List.of(GridAxis.of(
        Setting.config(TrainingConfig.BASE_LR), List.of("0.1", "0.01", "0.001"))), null,
        "cancelled");
    Cancellation cancel = new Cancellation();
    EvaluateListener stopInSecond = new EvaluateListener() {
      @Override public void iteration(Candidate c, long iteration, double loss) {
        if (c.number() == 2 && iteration == 3) {
          cancel.cancel();
        }
      }
    };
    EvaluateCancelledException e = assertThrows(EvaluateCancelledException.class,
        () -> runtime.evaluate(repo, request, stopInSecond, cancel));
    assertEquals(1, e.finished().size(), e.getMessage());
    assertEquals(1, repo.catalog().versions("cancelled").size(), "the first candidate only");
    assertFsckClean();

    Thread caller = Thread.currentThread();
    AtomicInteger iterations = new AtomicInteger();
    EvaluateListener interrupt = new EvaluateListener() {
      @Override public void iteration(Candidate c, long iteration, double loss) {
        if (iterations.incrementAndGet() == 2) {
          caller.interrupt();
        }
      }
    };
    assertThrows(EvaluateCancelledException.class, () -> runtime.evaluate(repo,
        request.withRunName("interrupted"), interrupt, new Cancellation()));
    assertTrue(Thread.interrupted(), "the interrupt stays set for the caller");
    assertTrue(repo.catalog().model("interrupted").isEmpty(), "nothing committed");
    assertFsckClean();
  }

  @Test void badRequestsFailBeforeTraining() throws IOException {
    commitLenet();
    Path conf = config("iterations: 2\n");
    ModelHubException e = assertThrows(ModelHubException.class, () -> runtime.evaluate(repo,
        new EvaluateRequest(List.of("lenet"), conf, List.of(GridAxis.of(
            Setting.layer("fc*", TrainingConfig.LR), List.of("0.1"))), null, null),
        EvaluateListener.NONE, new Cancellation()));
    assertTrue(e.getMessage().contains("m[\"fc*\"].lr matches no layer of lenet@1 (its layers:"
        + " data, conv1, pool1"), e.getMessage());
    e = assertThrows(ModelHubException.class, () -> runtime.evaluate(repo,
        new EvaluateRequest(List.of("lenet"), null, List.of(), null, null),
        EvaluateListener.NONE, new Cancellation()));
    assertTrue(e.getMessage().contains("no training data: set input_data"), e.getMessage());
    e = assertThrows(ModelHubException.class, () -> runtime.evaluate(repo,
        new EvaluateRequest(List.of("lenet"), conf, List.of(GridAxis.of(Setting.config(
            TrainingConfig.INPUT_DATA), List.of(Corpus.path(CorpusModels.IRIS).toString()))),
            null, null), EvaluateListener.NONE, new Cancellation()));
    assertTrue(e.getMessage().contains("lenet@1: network 'LeNet', layer 'data' (INPUT): takes"
        + " examples of shape [1,28,28] but the data's have shape [4]"), e.getMessage());
    assertTrue(repo.catalog().models().stream().noneMatch(m -> m.name().startsWith("eval")),
        "nothing committed");
  }
}
