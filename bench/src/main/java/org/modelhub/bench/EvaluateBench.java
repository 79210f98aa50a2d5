package org.modelhub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.modelhub.dl4j.data.Batches;
import org.modelhub.dl4j.data.DataSources;
import org.modelhub.dl4j.data.DataSplit;
import org.modelhub.dl4j.runtime.Dl4jGraph;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.runtime.CandidateResult;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.EvaluateListener;
import org.modelhub.store.runtime.EvaluateRequest;
import org.modelhub.store.runtime.EvaluateResult;
import org.modelhub.store.runtime.GridAxis;
import org.modelhub.store.runtime.KeepRule;
import org.modelhub.store.runtime.ModelRuntime;
import org.modelhub.store.runtime.Setting;
import org.modelhub.store.runtime.TrainingConfig;

/**
 * DQL evaluate's driver against a plain DL4J fit loop on the same network (Caffe's LeNet)
 * and data (Fashion-MNIST's test split): the driver's overhead (data, graph, per-iteration
 * log, validation, commit of weights and metrics), then how many iterations
 * {@code keep top(k, m["loss"], n)} saves against training the whole grid, and whether it
 * keeps the full grid's winner.
 *
 * <p>Arguments: {@code [iterations] [runs] [corpus-dir]}; the corpus defaults to
 * {@code ../shared/corpus} beside the clone.
 */
public final class EvaluateBench {
  private static final double TARGET = 0.05;

  private EvaluateBench() {
  }

  public static void main(String[] args) throws IOException {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path corpus = args.length > 2 ? Paths.get(args[2])
        : Paths.get(System.getProperty("modelhub.bench.work", "bench/work"))
            .toAbsolutePath().getParent().getParent().getParent().resolve("shared/corpus");
    Path work = Paths.get(System.getProperty("modelhub.bench.work", "bench/work"))
        .resolve("evaluate");
    Path data = corpus.resolve("data/fashion-mnist");
    ModelContent lenet = Formats.get().recognize(corpus.resolve("caffe/lenet.prototxt"))
        .orElseThrow().importer().read(new ImportInput(
            List.of(corpus.resolve("caffe/lenet.prototxt")),
            List.of(corpus.resolve("caffe/lenet_iter_10000.caffemodel")), List.of(),
            Optional.empty()));
    deleteTree(work);
    Files.createDirectories(work);
    Path conf = Files.writeString(work.resolve("lenet.conf"), String.join("\n",
        "input_data: " + data, "batch_size: 64", "iterations: " + iterations,
        "base_lr: 0.01", "updater: nesterovs", "momentum: 0.9", "test_fraction: 0.1",
        "seed: 1", ""));
    TrainingConfig config = TrainingConfig.read(conf);
    ModelRuntime runtime = ModelRuntime.load();
    String cpu = System.getenv().getOrDefault("OMP_NUM_THREADS", "default");

    System.out.printf(Locale.ROOT, "evaluate driver vs plain DL4J fit loop: Caffe LeNet,"
        + " Fashion-MNIST test split (9,000 train / 1,000 held out), batch 64, %d iterations,"
        + " nesterovs; %d interleaved runs, median; OMP_NUM_THREADS=%s, %d cores%n%n",
        iterations, runs, cpu, Runtime.getRuntime().availableProcessors());
    try (Repository repo = Repository.init(work.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("lenet").message("Caffe LeNet").format("caffe")
          .content(lenet).run(Progress.NONE);
      // warm-up: DL4J's native code and the JIT
      plain(lenet, config, Math.min(30, iterations));
      double[] plainMs = new double[runs];
      double[] fitMs = new double[runs];
      double[] driverMs = new double[runs];
      for (int r = 0; r < runs; r++) {
        long[] split = plain(lenet, config, iterations);
        plainMs[r] = split[0] / 1e6;
        fitMs[r] = split[1] / 1e6;
        long t0 = System.nanoTime();
        runtime.evaluate(repo, new EvaluateRequest(List.of(v.id()), conf, List.of(), null,
            "overhead-" + (r + 1)), EvaluateListener.NONE, new Cancellation());
        driverMs[r] = (System.nanoTime() - t0) / 1e6;
      }
      double p = median(plainMs);
      double f = median(fitMs);
      double d = median(driverMs);
      System.out.println("| what | median ms | per iteration ms | vs plain |");
      System.out.println("|---|---:|---:|---:|");
      row("plain: data + graph + fit loop", p, iterations, p);
      row("  of which the fit loop alone", f, iterations, p);
      row("evaluate driver (+ log, validation, commit)", d, iterations, p);
      double overhead = d / p - 1;
      System.out.printf(Locale.ROOT, "%noverhead of the driver: %+.1f%% (target at most"
          + " %.0f%%: %s)%n%n", overhead * 100, TARGET * 100,
          overhead <= TARGET ? "met" : "MISSED");

      keep(runtime, repo, v, work, data, Math.max(20, iterations / 3));
    }
  }

  /** Times data + graph + fit loop, and the fit loop alone; nanoseconds. */
  private static long[] plain(ModelContent lenet, TrainingConfig config, int iterations) {
    long t0 = System.nanoTime();
    DataSplit d = DataSources.split(config);
    Dl4jGraph g = Dl4jGraph.build(lenet, d.train().exampleShape(), d.train().classes().size(),
        config);
    Batches batches = new Batches(d.train(), config.intValue(TrainingConfig.BATCH_SIZE),
        g.inputShape(), config.count(TrainingConfig.SEED));
    long t1 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      g.graph().fit(batches.next());
    }
    long t2 = System.nanoTime();
    return new long[] {t2 - t0, t2 - t1};
  }

  /** The whole grid against keep top(2, loss, n/5): iterations, time, winner. */
  private static void keep(ModelRuntime runtime, Repository repo, VersionInfo v, Path work,
      Path data, int iterations) throws IOException {
    Path conf = Files.writeString(work.resolve("grid.conf"), String.join("\n",
        "input_data: " + data, "iterations: " + iterations, "updater: sgd", "momentum: 0.9",
        "examples: 3000", "test_fraction: 0.2", "seed: 1", ""));
    List<GridAxis> grid = List.of(
        GridAxis.of(Setting.config(TrainingConfig.BASE_LR), List.of("0.1", "0.01", "0.001")),
        GridAxis.of(Setting.config(TrainingConfig.BATCH_SIZE), List.of("32", "64")));
    int cut = Math.max(1, iterations / 5);
    KeepRule rule = new KeepRule(2, KeepRule.LOSS, cut);
    long t0 = System.nanoTime();
    EvaluateResult full = runtime.evaluate(repo, new EvaluateRequest(List.of(v.id()), conf,
        grid, null, "grid-full"), EvaluateListener.NONE, new Cancellation());
    long t1 = System.nanoTime();
    EvaluateResult kept = runtime.evaluate(repo, new EvaluateRequest(List.of(v.id()), conf,
        grid, rule, "grid-keep"), EvaluateListener.NONE, new Cancellation());
    long t2 = System.nanoTime();
    long fullIt = full.candidates().stream().mapToLong(CandidateResult::iterations).sum();
    long keptIt = kept.candidates().stream().mapToLong(CandidateResult::iterations).sum();
    System.out.printf(Locale.ROOT, "keep: %d candidates (base_lr 0.1/0.01/0.001 x batch_size"
        + " 32/64), %d iterations each, 3,000 examples (600 held out); keep %s%n%n",
        full.candidates().size(), iterations, rule.label());
    System.out.println("| run | iterations trained | seconds | best val_loss | best candidate |");
    System.out.println("|---|---:|---:|---:|---|");
    keepRow("full grid", fullIt, t1 - t0, full);
    keepRow("keep " + rule.label(), keptIt, t2 - t1, kept);
    System.out.printf(Locale.ROOT, "%nkeep trained %.0f%% fewer iterations (%d of %d) and took"
        + " %.0f%% less time; %s%n", 100.0 * (fullIt - keptIt) / fullIt, keptIt, fullIt,
        100.0 * ((t1 - t0) - (t2 - t1)) / (t1 - t0),
        best(full).candidate().number() == best(kept).candidate().number()
            ? "it kept the full grid's winner" : "its winner differs from the full grid's");
  }

  private static CandidateResult best(EvaluateResult r) {
    return r.candidates().stream().filter(c -> c.kept())
        .min((a, b) -> Double.compare(a.finalMetric(), b.finalMetric())).orElseThrow();
  }

  private static void keepRow(String name, long iterations, long nanos, EvaluateResult r) {
    CandidateResult b = best(r);
    System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.4f | %s |%n", name, iterations,
        nanos / 1e9, b.finalMetric(), b.candidate().describe());
  }

  private static void row(String name, double ms, int iterations, double plain) {
    System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %.3f |%n", name, ms, ms / iterations,
        ms / plain);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      List<Path> all = new ArrayList<>(walk.toList());
      java.util.Collections.reverse(all);
      for (Path q : all) {
        Files.delete(q);
      }
    }
  }
}
