package org.modelhub.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
import org.modelhub.store.runtime.Candidate;
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
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private EvaluateBench() {
  }

  public static void main(String[] args) throws IOException {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 150;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
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
    BenchSupport.deleteTree(work);
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
        + " nesterovs; %d runs (order alternating), median; OMP_NUM_THREADS=%s, %d cores%n%n",
        iterations, runs, cpu, Runtime.getRuntime().availableProcessors());
    try (Repository repo = Repository.init(work.resolve("repo"))) {
      VersionInfo v = repo.newCommit().model("lenet").message("Caffe LeNet").format("caffe")
          .content(lenet).run(Progress.NONE);
      // warm-up: DL4J's native code and the JIT, on both paths
      plain(lenet, config, Math.min(20, iterations));
      double[][] plain = new double[5][runs];
      double[][] driver = new double[5][runs];
      for (int r = 0; r < runs; r++) {
        for (int k = 0; k < 2; k++) {
          if ((r + k) % 2 == 0) {
            long[] p = plain(lenet, config, iterations);
            for (int i = 0; i < 5; i++) {
              plain[i][r] = p[i] / 1e6;
            }
          } else {
            long[] d = driver(runtime, repo, v, conf, "overhead-" + (r + 1));
            for (int i = 0; i < 5; i++) {
              driver[i][r] = d[i] / 1e6;
            }
          }
        }
      }
      System.out.println("| part | plain ms | driver ms | driver / plain |");
      System.out.println("|---|---:|---:|---:|");
      row("data + graph", BenchSupport.median(plain[0]), BenchSupport.median(driver[0]));
      row("training loop, " + iterations + " iterations", BenchSupport.median(plain[1]), BenchSupport.median(driver[1]));
      row("validation + commit (driver only)", BenchSupport.median(plain[2]), BenchSupport.median(driver[2]));
      row("whole run, wall", BenchSupport.median(plain[3]), BenchSupport.median(driver[3]));
      row("whole run, process CPU", BenchSupport.median(plain[4]), BenchSupport.median(driver[4]));
      double loop = BenchSupport.median(driver[1]) / BenchSupport.median(plain[1]) - 1;
      double wall = BenchSupport.median(driver[3]) / BenchSupport.median(plain[3]) - 1;
      double cpuTime = BenchSupport.median(driver[4]) / BenchSupport.median(plain[4]) - 1;
      System.out.printf(Locale.ROOT, "%ndriver overhead: training loop %+.1f%%, whole run"
          + " %+.1f%% wall, %+.1f%% CPU (target at most %.0f%%: %s)%n%n", loop * 100,
          wall * 100, cpuTime * 100, TARGET * 100, wall <= TARGET ? "met"
              : loop <= TARGET ? "met by the loop, missed by the whole run" : "MISSED");

      keep(runtime, repo, v, work, data, Math.max(20, iterations / 3));
    }
  }

  /** Plain DL4J: data + graph, fit loop, 0, whole run, process CPU; nanoseconds. */
  private static long[] plain(ModelContent lenet, TrainingConfig config, int iterations) {
    long c0 = PROCESS.getProcessCpuTime();
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
    return new long[] {t1 - t0, t2 - t1, 0, t2 - t0, PROCESS.getProcessCpuTime() - c0};
  }

  /**
   * The driver on one candidate: data + graph (until training starts), training loop (to
   * the last iteration), validation + commit, whole run, process CPU; nanoseconds.
   */
  private static long[] driver(ModelRuntime runtime, Repository repo, VersionInfo v,
      Path conf, String run) {
    long[] at = new long[2];
    EvaluateListener clock = new EvaluateListener() {
      @Override public void candidateStarted(Candidate c, long from, long target) {
        at[0] = System.nanoTime();
      }

      @Override public void iteration(Candidate c, long iteration, double loss) {
        at[1] = System.nanoTime();
      }
    };
    long c0 = PROCESS.getProcessCpuTime();
    long t0 = System.nanoTime();
    runtime.evaluate(repo, new EvaluateRequest(List.of(v.id()), conf, List.of(), null, run),
        clock, new Cancellation());
    long t3 = System.nanoTime();
    return new long[] {at[0] - t0, at[1] - at[0], t3 - at[1], t3 - t0,
        PROCESS.getProcessCpuTime() - c0};
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

  private static void row(String name, double plain, double driver) {
    System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %s |%n", name, plain, driver,
        plain > 0 ? String.format(Locale.ROOT, "%.3f", driver / plain) : "-");
  }
}
