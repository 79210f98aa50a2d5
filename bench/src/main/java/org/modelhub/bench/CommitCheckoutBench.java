package org.modelhub.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.modelhub.store.Checkout;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.Stage;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.safetensors.SafetensorsExporter;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * Commit and checkout throughput of a float32 model of 100M+ parameters (safetensors in and
 * out, through {@code dlv add}/{@code commit} and {@code checkout}'s code paths) against
 * copying the same raw bytes. Each figure is the median of several runs on warm caches.
 *
 * <p>Arguments: {@code [params-in-millions] [runs] [work-dir]}.
 */
public final class CommitCheckoutBench {
  private CommitCheckoutBench() {
  }

  public static void main(String[] args) throws IOException {
    long millions = args.length > 0 ? Long.parseLong(args[0]) : 100;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = args.length > 2 ? Paths.get(args[2])
        : Files.createTempDirectory("modelhub-bench");
    try {
      run(millions, runs, work);
    } finally {
      BenchSupport.deleteTree(work);
    }
  }

  private static void run(long millions, int runs, Path work) throws IOException {
    ModelContent model = generate(millions * 1_000_000L);
    Path src = Files.createDirectories(work.resolve("src"));
    new SafetensorsExporter().write(model, src);
    long bytes = model.rawBytes();
    List<Path> inputs = List.of(src.resolve(SafetensorsExporter.NETWORK_FILE),
        src.resolve(SafetensorsExporter.WEIGHTS_FILE));

    double[] copy = new double[runs];
    double[] commit = new double[runs];
    double[] checkout = new double[runs];
    long stored = 0;
    String encodings = "";
    for (int r = 0; r < runs; r++) {
      Path copyTarget = work.resolve("copy.safetensors");
      long t0 = System.nanoTime();
      Files.copy(inputs.get(1), copyTarget, StandardCopyOption.REPLACE_EXISTING);
      copy[r] = BenchSupport.seconds(t0);
      Files.delete(copyTarget);

      Path repoDir = work.resolve("repo" + r);
      try (Repository repo = Repository.init(repoDir)) {
        t0 = System.nanoTime();
        repo.stage().add(inputs, null);
        VersionInfo v = repo.stage().commit(new Stage.CommitOptions("big", "bench", "bench",
            List.of(), null), Progress.NONE);
        commit[r] = BenchSupport.seconds(t0);
        stored = v.storedBytes();
        encodings = repo.catalog().tensors(v.id()).stream().map(e -> e.object().encoding())
            .distinct().sorted().collect(java.util.stream.Collectors.joining(", "));

        Path out = work.resolve("out" + r);
        t0 = System.nanoTime();
        Checkout.run(repo, v, "safetensors", out, false, Progress.NONE);
        checkout[r] = BenchSupport.seconds(t0);
        BenchSupport.deleteTree(out);
      }
      BenchSupport.deleteTree(repoDir);
    }
    double mb = bytes / 1e6;
    System.out.println("# commit and checkout throughput, float32 model of "
        + String.format(Locale.ROOT, "%,d", model.numParams()) + " parameters in "
        + model.tensors().size() + " tensors (" + String.format(Locale.ROOT, "%.1f", mb)
        + " MB raw), median of " + runs + " runs, warm page cache, "
        + Runtime.getRuntime().availableProcessors() + " cores, Java "
        + System.getProperty("java.version"));
    System.out.println("# stored bytes after commit: " + String.format(Locale.ROOT, "%.1f",
        stored / 1e6) + " MB (encoding " + encodings + ": the repository's default)");
    System.out.printf(Locale.ROOT, "%-34s %10s %10s %12s%n", "operation", "seconds", "MB/s",
        "vs raw copy");
    double base = mb / BenchSupport.median(copy);
    row("raw copy of model.safetensors", BenchSupport.median(copy), mb, base);
    row("dlv add + commit (safetensors in)", BenchSupport.median(commit), mb, base);
    row("dlv checkout (safetensors out)", BenchSupport.median(checkout), mb, base);
  }

  private static void row(String name, double secs, double mb, double base) {
    System.out.printf(Locale.ROOT, "%-34s %10.3f %10.1f %11.2fx%n", name, secs, mb / secs,
        (mb / secs) / base);
  }

  /** A 25-layer MLP-like network whose weights add up to {@code params} float32 values. */
  static ModelContent generate(long params) {
    int layers = 25;
    long per = params / layers;
    int rows = 1000;
    long cols = (per + rows - 1) / rows;
    List<Layer> ls = new ArrayList<>();
    List<Tensor> ts = new ArrayList<>();
    ls.add(new Layer("in", LayerTypes.INPUT, Map.of(), List.of()));
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < layers; i++) {
      String name = "fc" + i;
      ls.add(new Layer(name, LayerTypes.FC, Map.of("units", rows),
          List.of(i == 0 ? "in" : "fc" + (i - 1))));
      int n = Math.toIntExact(rows * cols);
      ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int k = 0; k < n; k++) {
        // trained weights look roughly Gaussian with a small scale
        buf.putFloat(k * 4, (float) (gaussian(r) * 0.02));
      }
      ts.add(new Tensor(name + "/W", org.modelhub.store.model.DType.FLOAT32,
          new long[] {rows, cols}, buf));
    }
    return new ModelContent(new Network("bench-mlp", ls, Map.of()), ts);
  }

  private static double gaussian(SplittableRandom r) {
    double u = r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}
