package org.modelhub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * A repository of many versions made through the public store API, for catalog benchmarks:
 * model families crossed with variants and seeds, each model a chain of versions whose first
 * one is fine-tuned from the family's origin model, so lineage runs deeper than one model.
 * Every version has {@value #LAYERS} layers of the shared vocabulary; its two small tensors
 * come from a small pool, so dedup stores only a few objects and generation stays fast.
 */
final class GeneratedCatalog {
  static final int LAYERS = 50;
  static final List<String> FAMILIES = List.of("alexnet", "vgg16", "vgg19", "resnet18",
      "resnet50", "googlenet", "lenet", "squeezenet", "mobilenet", "inception");
  /** The first variant is the origin the others are fine-tuned from. */
  static final List<String> VARIANTS = List.of("origin", "avgv1", "ft-cifar10",
      "ft-flowers102", "pruned", "distilled", "bn", "wide", "lr-sweep", "dropout-sweep");
  private static final List<String> AUTHORS = List.of("miao", "li", "davis", "deshpande",
      "bench");
  private static final Instant START = Instant.parse("2015-01-05T09:00:00Z");
  private static final String DONE = "bench-generated.properties";
  private static final int TENSOR_POOL = 32;

  private GeneratedCatalog() {
  }

  /** The shape of a generated repository: {@code seeds} models per family and variant. */
  record Spec(int seeds, int versionsPerModel) {
    int models() {
      return FAMILIES.size() * VARIANTS.size() * seeds;
    }

    int versions() {
      return models() * versionsPerModel;
    }

    String dirName() {
      return String.format(Locale.ROOT, "catalog-%dx%d", versions(), LAYERS);
    }
  }

  /**
   * The arguments of the benchmarks over a generated catalog:
   * {@code [seeds] [versions-per-model] [seconds-per-query] [work-dir]}, by default 5, 20, 6
   * and {@code bench/work} (10,000 versions).
   */
  record Args(Spec spec, double seconds, Path work) {
    static Args parse(String[] args) {
      int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
      int perModel = args.length > 1 ? Integer.parseInt(args[1]) : 20;
      double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 6;
      Path work = Paths.get(args.length > 3 ? args[3]
          : System.getProperty("modelhub.bench.work", "bench/work")).toAbsolutePath();
      return new Args(new Spec(seeds, perModel), seconds, work);
    }
  }

  /** Model name of family {@code f}, variant {@code v}, seed {@code s}. */
  static String modelName(int f, int v, int s) {
    return FAMILIES.get(f) + "-" + VARIANTS.get(v) + "-" + s;
  }

  /**
   * Returns the repository folder under {@code work}, generating it first unless a finished
   * one is there already (a half-made one, from an interrupted run, is made again).
   */
  static Path ensure(Path work, Spec spec) throws IOException {
    Path dir = work.resolve(spec.dirName());
    if (Files.exists(dir.resolve(DONE))) {
      return dir;
    }
    if (Files.exists(dir)) {
      BenchSupport.deleteTree(dir);
    }
    long t0 = System.nanoTime();
    try (Repository repo = Repository.init(dir)) {
      generate(repo, spec);
      // rewrite the catalog file once, so that H2 does not spend the benchmark compacting it
      try (Statement s = repo.catalog().connection().createStatement()) {
        s.execute("SHUTDOWN COMPACT");
      }
    } catch (SQLException e) {
      throw new IOException("cannot compact the generated catalog: " + e.getMessage(), e);
    }
    Files.writeString(dir.resolve(DONE), String.format(Locale.ROOT,
        "versions=%d%nlayers=%d%nseconds=%.1f%n", spec.versions(), LAYERS,
        (System.nanoTime() - t0) / 1e9));
    return dir;
  }

  private static void generate(Repository repo, Spec spec) {
    SplittableRandom random = new SplittableRandom(42);
    List<Tensor> convPool = new ArrayList<>();
    List<Tensor> fcPool = new ArrayList<>();
    for (int i = 0; i < TENSOR_POOL; i++) {
      convPool.add(Tensor.ofFloats("conv1_1/W", new long[] {16, 3, 3, 3}, floats(random, 432)));
      fcPool.add(Tensor.ofFloats("fc8/b", new long[] {10}, floats(random, 10)));
    }
    Duration perModel = Duration.ofDays(3 * 365).dividedBy(spec.versionsPerModel());
    int done = 0;
    long t0 = System.nanoTime();
    // origins first: every other variant starts from its family's origin's latest version
    for (int v = 0; v < VARIANTS.size(); v++) {
      for (int f = 0; f < FAMILIES.size(); f++) {
        for (int s = 1; s <= spec.seeds(); s++) {
          String model = modelName(f, v, s);
          VersionInfo origin = v == 0 ? null
              : repo.resolve(modelName(f, 0, s) + "@latest");
          Instant created = START.plus(Duration.ofDays(random.nextInt(120)))
              .plus(v == 0 ? Duration.ZERO : perModel.multipliedBy(spec.versionsPerModel()));
          List<Layer> layers = network(f, v, random);
          for (int n = 1; n <= spec.versionsPerModel(); n++) {
            layers = mutate(layers, random);
            ModelContent content = new ModelContent(
                new Network(FAMILIES.get(f), layers, Map.of("dataset", dataset(v))),
                List.of(convPool.get(random.nextInt(TENSOR_POOL)),
                    fcPool.get(random.nextInt(TENSOR_POOL))),
                hyperparams(random), metrics(random, n));
            var commit = repo.newCommit().model(model).content(content)
                .author(AUTHORS.get(random.nextInt(AUTHORS.size())))
                .message(message(v, n, random)).created(created).format("safetensors");
            if (n == 1 && origin != null) {
              commit.parent(origin, LineageEdge.FINE_TUNE);
            }
            commit.run(Progress.NONE);
            created = created.plus(perModel.multipliedBy(1 + random.nextInt(2))
                .dividedBy(2).plusMinutes(random.nextInt(600)));
            if (++done % 1000 == 0) {
              System.err.printf(Locale.ROOT, "generated %,d of %,d versions (%.0f s)%n", done,
                  spec.versions(), (System.nanoTime() - t0) / 1e9);
            }
          }
        }
      }
    }
  }

  /**
   * {@value #LAYERS} layers: an input, 7 blocks of conv-relu-conv-relu-norm-pool, then
   * flatten, two fully connected layers with relu and dropout, softmax and loss.
   */
  private static List<Layer> network(int family, int variant, SplittableRandom random) {
    List<Layer> ls = new ArrayList<>();
    ls.add(new Layer("data", LayerTypes.INPUT, Map.of("shape", List.of(3, 224, 224)),
        List.of()));
    String prev = "data";
    boolean lrn = FAMILIES.get(family).equals("alexnet") || FAMILIES.get(family).equals("lenet");
    int filters = 32;
    for (int b = 1; b <= 7; b++) {
      for (int k = 1; k <= 2; k++) {
        String conv = "conv" + b + "_" + k;
        ls.add(new Layer(conv, LayerTypes.CONV, Map.of("filters", filters,
            "kernel", List.of(3, 3), "stride", List.of(1, 1), "pad", List.of(1, 1)),
            List.of(prev)));
        ls.add(new Layer("relu" + b + "_" + k, LayerTypes.RELU, Map.of(), List.of(conv)));
        prev = "relu" + b + "_" + k;
      }
      String norm = (lrn ? "norm" : "bn") + b;
      ls.add(lrn ? new Layer(norm, LayerTypes.LRN, Map.of("local_size", 5, "alpha", 1e-4,
          "beta", 0.75), List.of(prev))
          : new Layer(norm, LayerTypes.BATCHNORM, Map.of("epsilon", 1e-5), List.of(prev)));
      // the avgv1 variant averages everywhere; the others mostly take maxima
      boolean avg = variant == 1 || random.nextInt(4) == 0;
      ls.add(new Layer("pool" + b, LayerTypes.POOL, Map.of("method",
          avg ? LayerTypes.AVG : LayerTypes.MAX, "kernel", List.of(2, 2),
          "stride", List.of(2, 2)), List.of(norm)));
      prev = "pool" + b;
      filters = Math.min(512, filters * 2);
    }
    ls.add(new Layer("flatten", LayerTypes.FLATTEN, Map.of(), List.of(prev)));
    ls.add(new Layer("fc7", LayerTypes.FC, Map.of("units", 4096), List.of("flatten")));
    ls.add(new Layer("relu7", LayerTypes.RELU, Map.of(), List.of("fc7")));
    ls.add(new Layer("drop7", LayerTypes.DROPOUT, Map.of("ratio", 0.5), List.of("relu7")));
    ls.add(new Layer("fc8", LayerTypes.FC, Map.of("units", 10), List.of("drop7")));
    ls.add(new Layer("prob", LayerTypes.SOFTMAX, Map.of(), List.of("fc8")));
    ls.add(new Layer("loss", LayerTypes.LOSS, Map.of("loss", "cross_entropy"),
        List.of("prob")));
    if (ls.size() != LAYERS) {
      throw new IllegalStateException("generated " + ls.size() + " layers");
    }
    return ls;
  }

  /** A later version: now and then one pooling layer switches method, as experiments do. */
  private static List<Layer> mutate(List<Layer> layers, SplittableRandom random) {
    if (random.nextInt(5) != 0) {
      return layers;
    }
    List<Layer> out = new ArrayList<>(layers);
    int b = 1 + random.nextInt(7);
    for (int i = 0; i < out.size(); i++) {
      Layer l = out.get(i);
      if (l.name().equals("pool" + b)) {
        Map<String, Object> attrs = new LinkedHashMap<>(l.attrs());
        attrs.put("method", LayerTypes.MAX.equals(attrs.get("method")) ? LayerTypes.AVG
            : LayerTypes.MAX);
        out.set(i, new Layer(l.name(), l.type(), attrs, l.inputs()));
      }
    }
    return out;
  }

  private static String dataset(int variant) {
    String v = VARIANTS.get(variant);
    return v.startsWith("ft-") ? v.substring(3) : "imagenet";
  }

  private static Map<String, String> hyperparams(SplittableRandom random) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("base_lr", List.of("0.1", "0.01", "0.001").get(random.nextInt(3)));
    hp.put("batch_size", List.of("32", "64", "128", "256").get(random.nextInt(4)));
    return hp;
  }

  /** A short training log: loss and accuracy at five steps. */
  private static List<Metric> metrics(SplittableRandom random, int version) {
    List<Metric> ms = new ArrayList<>();
    double acc = 0.3 + 0.6 * (1 - Math.exp(-version / 6.0)) + 0.05 * random.nextDouble();
    for (int step = 1; step <= 5; step++) {
      double p = step / 5.0;
      ms.add(new Metric("accuracy", step * 1000L, Math.min(0.99, acc * (0.6 + 0.4 * p))));
      ms.add(new Metric("loss", step * 1000L, 2.3 * (1 - acc * p) + 0.05 * random.nextDouble()));
    }
    return ms;
  }

  private static String message(int variant, int n, SplittableRandom random) {
    String what = switch (VARIANTS.get(variant)) {
      case "origin" -> "train on imagenet";
      case "avgv1" -> "average pooling everywhere";
      case "pruned" -> "prune 30% of conv filters";
      case "distilled" -> "distil into the smaller head";
      case "lr-sweep" -> "learning rate sweep";
      case "dropout-sweep" -> "dropout sweep";
      default -> "fine-tune " + VARIANTS.get(variant);
    };
    return what + ", run " + n + " (" + (5 + random.nextInt(95)) + " epochs)";
  }

  private static float[] floats(SplittableRandom random, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) ((random.nextDouble() - 0.5) * 0.1);
    }
    return f;
  }
}
