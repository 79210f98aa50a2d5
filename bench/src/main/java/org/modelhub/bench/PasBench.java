package org.modelhub.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.modelhub.bench.PasWorkloads.Version;
import org.modelhub.bench.PasWorkloads.Workload;
import org.modelhub.store.Approximation;
import org.modelhub.store.Checkout;
import org.modelhub.store.Commit;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.safetensors.SafetensorsExporter;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.Compression;
import org.modelhub.store.object.DeltaOp;
import org.modelhub.store.object.MemoryObjectStore;
import org.modelhub.store.object.ObjectInfo;
import org.modelhub.store.object.PlaneStats;
import org.modelhub.store.object.PlanesEncoding;
import org.modelhub.store.object.TensorStore;
import org.modelhub.store.pas.Archiver;
import org.modelhub.store.pas.StorageGraph;

/**
 * The PAS benchmark (issue 5): on three workloads made by real training (snapshots of one
 * DL4J run, fine-tunes of the last layer, independent corpus models) it reports stored bytes
 * against raw for gzip -6 of the raw tensors, plain zstd objects, byte planes, deltas + planes
 * and after {@code dlv archive}; the order-0 entropy of every plane as the lossless bound;
 * single-thread encode and decode speed; commit and checkout speed against copying the raw
 * bytes; and progressive reads of the top k planes. Targets are checked, not assumed: a row
 * that misses its target says so.
 *
 * <p>Arguments: {@code [corpus-dir] [runs] [snapshots] [minibatches-between-snapshots]}.
 * The trained workloads (their DL4J zips) are kept in {@code pas-workloads/} under the
 * folder {@code -Dmodelhub.bench.work} names, one folder per set of parameters; delete it to
 * train again.
 */
public final class PasBench {
  private static final double MB = 1e6;
  /** A budget loose enough for long delta chains: the plan nears the MST. */
  private static final double LOOSE = 10;

  /** A repository layout to measure: encoding, plain objects' compression, delta chains. */
  private record Layout(String name, String encoding, String compression, int maxChain) { }

  private static final List<Layout> LAYOUTS = List.of(
      new Layout("plain zstd", "plain", "zstd", 0),
      new Layout("planes", "planes", "none", 0),
      new Layout("delta+planes", "planes", "none", 4));

  /** Figures of one workload. */
  private static final class Figures {
    long raw;
    double gzip;
    final Map<String, Double> stored = new LinkedHashMap<>();
    double archived;
    double archivedLoose;
    boolean budgetsHeld;
    /** Object bytes beyond the planes' bytes (Arrow framing, schema, metadata). */
    double framing;
    final double[] bitsStored = new double[4];
    double h0Planes;
    double h0Pair;
    double h0Best;
    final double[] bitsPlanes = new double[4];
    final double[] bitsBest = new double[4];
    /** Bytes of the distinct tensors: what a commit codes (the others are deduplicated). */
    long distinct;
    double codecEncode;
    double codecDecode;
    double encode;
    double decode;
    double commit;
    double checkout;
    double copy;
  }

  private PasBench() {
  }

  public static void main(String[] args) throws IOException {
    Path corpus = Paths.get(args.length > 0 ? args[0] : "../shared/corpus").toAbsolutePath();
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int snapshots = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int every = args.length > 3 ? Integer.parseInt(args[3]) : 30;
    Path base = Paths.get(System.getProperty("modelhub.bench.work",
        System.getProperty("java.io.tmpdir"))).toAbsolutePath();
    Path work = Files.createTempDirectory(Files.createDirectories(base), "pas");
    try {
      // training takes minutes: its DL4J zips are kept beside the scratch folders
      PasWorkloads w = new PasWorkloads(corpus, base.resolve("pas-workloads"),
          s -> System.err.println("pas: " + s));
      long t0 = System.nanoTime();
      List<Workload> workloads = new ArrayList<>(w.trained(snapshots, every, 10, 20));
      workloads.add(w.independent());
      System.err.printf(Locale.ROOT, "pas: workloads ready in %.0f s%n", BenchSupport.seconds(t0));
      Map<Workload, Figures> figures = new LinkedHashMap<>();
      double[][] progressive = null;
      for (Workload wl : workloads) {
        Figures f = new Figures();
        figures.put(wl, f);
        double[][] p = measure(wl, f, work, runs);
        if (progressive == null) {
          progressive = p;
        }
      }
      System.err.println("pas: measuring one large version");
      Workload largeWl = new Workload("(d) one large version", List.of(w.large(LARGE_STEPS)));
      double[] large = scale(largeWl, work, 3);
      Figures largeCodec = new Figures();
      speeds(largeWl, largeCodec, runs);
      System.err.println("pas: measuring this machine's sha256 and durable writes");
      Ceilings ceilings = new Ceilings(BenchSupport.sha256Mbps(),
          BenchSupport.durableWriteMbps(work), BenchSupport.syncLatencyMs(work),
          Runtime.getRuntime().availableProcessors());
      print(workloads, figures, progressive, large, largeCodec, ceilings, runs, snapshots,
          every);
    } finally {
      BenchSupport.deleteTree(work);
    }
  }

  /** Minibatches the large MLP of the scale figures is trained for. */
  private static final int LARGE_STEPS = 5;

  /** Runs before the measured ones, for the JIT and the page cache. */
  private static final int WARMUP = 3;

  private static double[][] measure(Workload wl, Figures f, Path work, int runs)
      throws IOException {
    System.err.println("pas: measuring " + wl.name());
    f.raw = wl.rawBytes();
    for (Version v : wl.versions()) {
      f.gzip += gzip6(v.content().tensors());
    }
    entropy(wl, f);
    speeds(wl, f, runs);
    double[][] progressive = null;
    for (Layout layout : LAYOUTS) {
      boolean timed = layout.name().equals("delta+planes");
      Timings timings = new Timings(WARMUP, runs);
      for (int r = 0; r < (timed ? WARMUP + runs : 1); r++) {
        Path dir = work.resolve("repo-" + layout.name().replace(' ', '-') + r);
        Repository repo = init(dir, layout);
        try {
          long t0 = System.nanoTime();
          List<VersionInfo> vs = commitAll(repo, wl);
          double c = BenchSupport.seconds(t0);
          f.stored.put(layout.name(), (double) objectBytes(dir));
          if (!timed) {
            if (layout.name().equals("planes")) {
              progressive = progressive(repo, vs);
            }
            continue;
          }
          timings.add(r, c, checkoutAndCopy(repo, vs, wl, work));
          if (r == WARMUP + runs - 1) {
            planeBytes(repo, objectBytes(dir), f);
            Archiver.Report a = new Archiver(repo, new Archiver.Options(2,
                StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
            f.archived = objectBytes(dir);
            Archiver.Report loose = new Archiver(repo, new Archiver.Options(LOOSE,
                StorageGraph.Scheme.INDEPENDENT, null, List.of())).run(Progress.NONE);
            f.archivedLoose = objectBytes(dir);
            f.budgetsHeld = a.versions().stream().allMatch(Archiver.VersionCost::withinBudget)
                && loose.versions().stream().allMatch(Archiver.VersionCost::withinBudget);
          }
        } finally {
          repo.close();
          BenchSupport.deleteTree(dir);
        }
      }
      if (timed) {
        double[] mbps = timings.mbps(f.raw);
        f.commit = mbps[0];
        f.checkout = mbps[1];
        f.copy = mbps[2];
      }
    }
    return progressive;
  }

  /**
   * Bits per byte each plane takes in the store, and the bytes of framing around them: the
   * objects' bytes that are not planes (a pack's schema and footer are shared by its tensors).
   */
  private static void planeBytes(Repository repo, long objectBytes, Figures f) {
    long values = 0;
    long coded = 0;
    long[] planes = new long[4];
    for (ObjectInfo o : repo.catalog().objects()) {
      if (o.planeBytes() == null) {
        continue;
      }
      String[] parts = o.planeBytes().split(",");
      long sum = 0;
      for (int p = 0; p < parts.length; p++) {
        long b = Long.parseLong(parts[p].trim());
        sum += b;
        if (parts.length == 4) {
          planes[p] += b;
        }
      }
      if (parts.length == 4) {
        values += o.rawBytes() / 4;
      }
      coded += sum;
    }
    f.framing = objectBytes - coded;
    for (int p = 0; p < 4; p++) {
      f.bitsStored[p] = values == 0 ? 0 : 8.0 * planes[p] / values;
    }
  }

  private static Repository init(Path dir, Layout layout) throws IOException {
    Repository.init(dir).close();
    Path props = dir.resolve("modelhub.properties");
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(props)) {
      p.load(in);
    }
    p.setProperty("store.encoding", layout.encoding());
    p.setProperty("store.compression", layout.compression());
    try (OutputStream out = Files.newOutputStream(props)) {
      p.store(out, "ModelHub repository (PAS benchmark: " + layout.name() + ")");
    }
    Repository repo = Repository.open(dir);
    repo.catalog().putSetting("pas.max_chain", Integer.toString(layout.maxChain()));
    return repo;
  }

  private static List<VersionInfo> commitAll(Repository repo, Workload wl) {
    List<VersionInfo> vs = new ArrayList<>();
    for (Version v : wl.versions()) {
      ModelContent m = v.content();
      Commit c = repo.newCommit().model(v.model()).message(v.label())
          .content(new ModelContent(m.network(), fresh(m.tensors()), m.hyperparams(),
              m.metrics()));
      c = v.parent() < 0 ? c.noParent() : c.parent(vs.get(v.parent()), v.kind());
      vs.add(c.run(Progress.NONE));
    }
    return vs;
  }

  /**
   * Seconds to copy each version's raw bytes (its safetensors file) to a new file. The files
   * are exported into {@code src} once (a folder of the workload's own: each workload numbers
   * its versions from 0).
   */
  private static double rawCopy(Repository repo, List<VersionInfo> vs, Path src, Path work)
      throws IOException {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < vs.size(); i++) {
      VersionInfo v = vs.get(i);
      Path d = src.resolve("v" + i);
      if (!Files.isDirectory(d)) {
        new SafetensorsExporter().write(repo.content(v, Progress.NONE),
            Files.createDirectories(d));
      }
      files.add(d.resolve(SafetensorsExporter.WEIGHTS_FILE));
    }
    Path dst = Files.createDirectories(work.resolve("copy"));
    long t0 = System.nanoTime();
    for (int i = 0; i < files.size(); i++) {
      Files.copy(files.get(i), dst.resolve(i + ".safetensors"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    double s = BenchSupport.seconds(t0);
    BenchSupport.deleteTree(dst);
    return s;
  }

  private static String slug(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
  }

  /**
   * Commit, checkout and raw copy of one large version, fresh repository each run (delta
   * layout; the version has no parent, so it is stored materialised): its MB, the three MB/s,
   * and stored/raw.
   */
  private static double[] scale(Workload wl, Path work, int runs) throws IOException {
    Timings timings = new Timings(1, runs);
    double stored = 0;
    for (int r = 0; r < 1 + runs; r++) {
      Path dir = work.resolve("repo-large" + r);
      Repository repo = init(dir, LAYOUTS.get(2));
      try {
        long t0 = System.nanoTime();
        List<VersionInfo> vs = commitAll(repo, wl);
        double c = BenchSupport.seconds(t0);
        stored = objectBytes(dir);
        timings.add(r, c, checkoutAndCopy(repo, vs, wl, work));
      } finally {
        repo.close();
        BenchSupport.deleteTree(dir);
      }
    }
    double raw = wl.rawBytes();
    double[] mbps = timings.mbps(raw);
    return new double[] {raw / MB, mbps[0], mbps[1], mbps[2], 100 * stored / raw};
  }

  /**
   * Seconds to check out every version of {@code vs} (to safetensors), and to copy their raw
   * files (exported once per workload).
   */
  private static double[] checkoutAndCopy(Repository repo, List<VersionInfo> vs, Workload wl,
      Path work) throws IOException {
    Path out = work.resolve("out");
    long t0 = System.nanoTime();
    for (VersionInfo v : vs) {
      Checkout.run(repo, v, "safetensors", out.resolve(v.id()), false, Progress.NONE);
    }
    double co = BenchSupport.seconds(t0);
    BenchSupport.deleteTree(out);
    return new double[] {co, rawCopy(repo, vs, work.resolve("raw-" + slug(wl.name())), work)};
  }

  /** Commit, checkout and raw-copy seconds of the measured runs, after the warm-up ones. */
  private static final class Timings {
    private final int warmup;
    private final double[] commit;
    private final double[] checkout;
    private final double[] copy;

    Timings(int warmup, int runs) {
      this.warmup = warmup;
      this.commit = new double[runs];
      this.checkout = new double[runs];
      this.copy = new double[runs];
    }

    /** Run {@code r}'s commit seconds and {@link #checkoutAndCopy}'s, unless it warms up. */
    void add(int r, double commitSeconds, double[] checkoutAndCopy) {
      if (r >= warmup) {
        // the first runs warm the JIT and the page cache
        commit[r - warmup] = commitSeconds;
        checkout[r - warmup] = checkoutAndCopy[0];
        copy[r - warmup] = checkoutAndCopy[1];
      }
    }

    /** MB/s of {@code raw} bytes at the median commit, checkout and copy. */
    double[] mbps(double raw) {
      return new double[] {raw / MB / BenchSupport.median(commit),
          raw / MB / BenchSupport.median(checkout), raw / MB / BenchSupport.median(copy)};
    }
  }

  /** Single-thread encode (planes) and decode (with sha256 check) of the distinct tensors. */
  private static void speeds(Workload wl, Figures f, int runs) {
    Map<String, Tensor> distinct = distinct(wl);
    long bytes = distinct.values().stream().mapToLong(Tensor::numBytes).sum();
    f.distinct = bytes;
    double[] enc = new double[runs];
    double[] dec = new double[runs];
    double[] codecEnc = new double[runs];
    double[] codecDec = new double[runs];
    for (int r = 0; r < WARMUP + runs; r++) {
      try {
        List<ByteBuffer> pieces = new ArrayList<>();
        List<Integer> widths = new ArrayList<>();
        for (Tensor t : distinct.values()) {
          for (ByteBuffer piece : batches(t)) {
            pieces.add(piece);
            widths.add(t.dtype().size());
          }
        }
        List<byte[]> coded = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < pieces.size(); i++) {
          coded.add(PlanesEncoding.encode(pieces.get(i), widths.get(i)));
        }
        double e = BenchSupport.seconds(t0);
        t0 = System.nanoTime();
        for (int i = 0; i < pieces.size(); i++) {
          PlanesEncoding.decode(coded.get(i), pieces.get(i).remaining(), widths.get(i));
        }
        double d = BenchSupport.seconds(t0);
        if (r >= WARMUP) {
          codecEnc[r - WARMUP] = e;
          codecDec[r - WARMUP] = d;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      try (TensorStore store = new TensorStore(new MemoryObjectStore(), Compression.NONE)) {
        List<ObjectInfo> infos = new ArrayList<>();
        List<Tensor> tensors = fresh(distinct.values());
        long t0 = System.nanoTime();
        for (Tensor t : tensors) {
          infos.add(store.put(t));
        }
        double e = BenchSupport.seconds(t0);
        t0 = System.nanoTime();
        int i = 0;
        for (Tensor t : tensors) {
          store.get(infos.get(i++), t.name(), t.dtype(), t.shape(), t.name());
        }
        double d = BenchSupport.seconds(t0);
        if (r >= WARMUP) {
          enc[r - WARMUP] = e;
          dec[r - WARMUP] = d;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    f.codecEncode = bytes / MB / BenchSupport.median(codecEnc);
    f.codecDecode = bytes / MB / BenchSupport.median(codecDec);
    f.encode = bytes / MB / BenchSupport.median(enc);
    f.decode = bytes / MB / BenchSupport.median(dec);
  }

  /**
   * A tensor's values a record batch ({@link PlanesEncoding#CHUNK_VALUES} values) at a time:
   * the codec figures are of one thread, and a tensor of several batches is coded on every
   * core.
   */
  private static List<ByteBuffer> batches(Tensor t) {
    List<ByteBuffer> out = new ArrayList<>();
    ByteBuffer all = t.data().duplicate();
    long step = (long) PlanesEncoding.CHUNK_VALUES * t.dtype().size();
    do {
      int n = (int) Math.min(step, all.remaining());
      out.add(all.slice(all.position(), n));
      all.position(all.position() + n);
    } while (all.hasRemaining());
    return out;
  }

  /**
   * The same tensors (sharing their values) without their sha256: a tensor computes it once
   * and keeps it, so without fresh copies every run after the first would skip hashing the
   * values, which a commit of newly imported weights does.
   */
  private static List<Tensor> fresh(Collection<Tensor> tensors) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : tensors) {
      out.add(new Tensor(t.name(), t.dtype(), t.shape(), t.data()));
    }
    return out;
  }

  private static Map<String, Tensor> distinct(Workload wl) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Version v : wl.versions()) {
      for (Tensor t : v.content().tensors()) {
        m.putIfAbsent(t.sha256(), t);
      }
    }
    return m;
  }

  /**
   * Order-0 entropy of every plane of every distinct tensor, materialised and (the best of
   * materialised, xor, sub and zigzag against the parent version's tensor of the same name)
   * delta; the bounds with the first two planes as a pair where that is lower.
   */
  private static void entropy(Workload wl, Figures f) {
    Map<String, Boolean> seen = new HashMap<>();
    long values = 0;
    double[] planes = new double[4];
    double[] best = new double[4];
    for (Version v : wl.versions()) {
      Map<String, Tensor> parent = new HashMap<>();
      if (v.parent() >= 0) {
        wl.versions().get(v.parent()).content().tensors().forEach(t -> parent.put(t.name(), t));
      }
      for (Tensor t : v.content().tensors()) {
        if (seen.put(t.sha256(), true) != null || t.dtype() != DType.FLOAT32) {
          continue;
        }
        byte[] raw = TensorStore.bytes(t);
        long n = t.numValues();
        PlaneStats mat = PlaneStats.of(raw, null, 4, null, false);
        PlaneStats b = mat;
        Tensor base = parent.get(t.name());
        if (base != null && Arrays.equals(base.shape(), t.shape())
            && base.dtype() == t.dtype()) {
          byte[] br = TensorStore.bytes(base);
          for (DeltaOp op : DeltaOp.values()) {
            PlaneStats d = PlaneStats.of(raw, br, 4, op, false);
            if (d.bound(n) < b.bound(n)) {
              b = d;
            }
          }
        }
        for (int p = 0; p < 4; p++) {
          planes[p] += n * mat.bits(p);
          best[p] += n * b.bits(p);
        }
        values += n;
        f.h0Planes += mat.planesBound(n);
        f.h0Pair += mat.bound(n);
        f.h0Best += b.bound(n);
      }
    }
    for (int p = 0; p < 4; p++) {
      f.bitsPlanes[p] = values == 0 ? 0 : planes[p] / values;
      f.bitsBest[p] = values == 0 ? 0 : best[p] / values;
    }
  }

  /**
   * MB/s of reading the top k planes (k = 1, 2, 3) and all of them, over every float32
   * tensor of every version, with the largest error bound seen: {k, MB/s, bound}.
   */
  private static double[][] progressive(Repository repo, List<VersionInfo> vs) {
    // the reads differ by a third at most and the machine is shared: many short runs
    int runs = 15;
    double[][] secs = new double[4][runs];
    double[] bound = new double[4];
    long bytes = 0;
    // the four reads take turns in every run, so the machine's load touches them alike
    for (int r = 0; r < WARMUP + runs; r++) {
      for (int k = 4; k >= 1; k--) {
        bytes = 0;
        long t0 = System.nanoTime();
        for (VersionInfo v : vs) {
          for (TensorEntry e : repo.catalog().tensors(v.id())) {
            if (e.dtype() == DType.FLOAT32) {
              Approximation a = Approximation.of(repo, v, e, k);
              bound[k - 1] = Math.max(bound[k - 1], a.maxBound());
              bytes += e.object().rawBytes();
            }
          }
        }
        if (r >= WARMUP) {
          secs[k - 1][r - WARMUP] = BenchSupport.seconds(t0);
        }
      }
    }
    double[][] out = new double[4][];
    for (int k = 1; k <= 4; k++) {
      out[k - 1] = new double[] {k, bytes / MB / BenchSupport.median(secs[k - 1]), bound[k - 1]};
    }
    return out;
  }

  private static double gzip6(List<Tensor> tensors) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16) {
      {
        def.setLevel(6);
      }
    }) {
      for (Tensor t : tensors) {
        gz.write(TensorStore.bytes(t));
      }
    }
    return bytes.size();
  }

  private static long objectBytes(Path repo) throws IOException {
    try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    }
  }

  // ---- the report ------------------------------------------------------------------------

  private static void print(List<Workload> workloads, Map<Workload, Figures> figures,
      double[][] progressive, double[] large, Figures largeCodec, Ceilings ceilings, int runs,
      int snapshots, int every) {
    StringBuilder o = new StringBuilder();
    o.append(String.format(Locale.ROOT, "# PAS: stored bytes and speed on three workloads; %d"
        + " cores, Java %s; speeds are medians of %d runs after %d warm-up runs (on 2 cores the"
        + " JIT compiles the code paths through the first runs)%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), runs,
        WARMUP));
    o.append(String.format(Locale.ROOT, "# (a) %d snapshots, %d minibatches of 64 apart, of"
        + " one DL4J run (LeNet-like CNN, Adam 1e-3) on the Fashion-MNIST test split;%n",
        snapshots, every));
    o.append("# (b) its last snapshot and 10 copies fine-tuned 20 minibatches each with all"
        + " but the output layer frozen; (c) LeNet caffemodel, esrgan-slim-x2 TF.js,"
        + " ONNX MNIST CNN.\n");
    o.append("# raw counts every version in full; gzip -6 compresses each version's raw"
        + " tensors as one stream (no dedup); the store columns are the objects folder"
        + " (dedup of identical tensors included); arch a=2 / a=10 = dlv archive --budget 2, then"
        + " --budget 10, on the delta+planes repository.\n");
    o.append("# H0 planes = order-0 entropy of each plane of each distinct tensor (lossless"
        + " bound for per-plane coding); H0 pair = the same with the first two planes as one"
        + " symbol of each value's sign, exponent and top mantissa bits (the store's joint"
        + " coding) where that is lower; H0 best = per tensor the least H0 pair of"
        + " materialised, xor, sub and zigzag against the parent version; framing = object bytes"
        + " around the planes (Arrow schema, metadata, footer), included in the store"
        + " columns.\n");
    o.append(String.format(Locale.ROOT, "# load average (1 min) at start %s, at end %s: the"
        + " machine is shared, speeds vary with it%n%n", LOAD_AT_START, BenchSupport.loadAverage()));

    o.append("stored / raw (%)\n");
    o.append(String.format(Locale.ROOT,
        "%-28s %9s %8s %10s %8s %12s %8s %8s %9s %8s %8s %8s%n",
        "workload", "raw MB", "gzip -6", "plain zstd", "planes", "delta+planes", "arch a=2",
        "arch a=10", "H0 planes", "H0 pair", "H0 best", "framing"));
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      o.append(String.format(Locale.ROOT, "%-28s %9.2f %8.2f %10.2f %8.2f %12.2f %8.2f %9.2f"
          + " %8.2f %8.2f %8.2f %8.2f%n", w.name(), f.raw / MB, pct(f.gzip, f),
          pct(f.stored.get("plain zstd"), f), pct(f.stored.get("planes"), f),
          pct(f.stored.get("delta+planes"), f), pct(f.archived, f), pct(f.archivedLoose, f),
          pct(f.h0Planes, f), pct(f.h0Pair, f), pct(f.h0Best, f), pct(f.framing, f)));
    }

    o.append("\norder-0 entropy per plane, bits per byte (b0 = sign and high exponent bits);"
        + " stored = bits per value in each plane's column (where the first two planes are"
        + " coded as a pair, the first column also holds the second plane's top bits)\n");
    o.append(String.format(Locale.ROOT, "%-28s %27s   %27s   %27s%n", "workload",
        "H0 materialised b0 b1 b2 b3", "H0 best (delta) b0 b1 b2 b3",
        "stored delta+planes b0..b3"));
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      o.append(String.format(Locale.ROOT, "%-28s %6.2f %6.2f %6.2f %6.2f   %6.2f %6.2f %6.2f"
          + " %6.2f   %6.2f %6.2f %6.2f %6.2f%n", w.name(), f.bitsPlanes[0], f.bitsPlanes[1],
          f.bitsPlanes[2], f.bitsPlanes[3], f.bitsBest[0], f.bitsBest[1], f.bitsBest[2],
          f.bitsBest[3], f.bitsStored[0], f.bitsStored[1], f.bitsStored[2], f.bitsStored[3]));
    }

    o.append("\nspeed, MB/s of raw values, distinct tensors, one thread: codec = planes coded"
        + " and decoded in memory (what ZipNN's 1.12 GB/s compress and 1.66 GB/s decompress"
        + " measure); store = into and out of a tensor store, with the sha256 of the values"
        + " (every run hashes them anew, as for newly imported weights) and of the object (a"
        + " read checks the values' sha256). All cores: commit/checkout = whole versions"
        + " through the repository (values' sha256, catalog, fsync of every object: the small"
        + " tensors of a commit share one); raw copy = the versions' safetensors files\n");
    o.append(String.format(Locale.ROOT, "%-28s %9s %9s %9s %9s %8s %9s %9s %12s%n", "workload",
        "codec enc", "codec dec", "store put", "store get", "commit", "checkout", "raw copy",
        "checkout/copy"));
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      o.append(String.format(Locale.ROOT, "%-28s %9.0f %9.0f %9.0f %9.0f %8.0f %9.0f %9.0f"
          + " %11.2fx%n", w.name(), f.codecEncode, f.codecDecode, f.encode, f.decode, f.commit,
          f.checkout, f.copy, f.checkout / f.copy));
    }

    if (progressive != null) {
      o.append("\nprogressive reads, workload (a) stored as planes: every float32 tensor of"
          + " every version\n");
      o.append(String.format(Locale.ROOT, "%-8s %10s %12s %16s%n", "planes", "MB/s",
          "vs 4 planes", "max error bound"));
      for (int k = 1; k <= 4; k++) {
        double[] p = progressive[k - 1];
        o.append(String.format(Locale.ROOT, "%-8d %10.0f %11.2fx %16.3g%n", k, p[1],
            p[1] / progressive[3][1], p[2]));
      }
    }

    o.append(String.format(Locale.ROOT, "%nscale: one version of %.0f MB (DL4J MLP"
        + " 784-4096-4096-10, %d minibatches of Fashion-MNIST), where the costs per version"
        + " (catalog transaction, fsync, thread pools) are spread over many bytes; medians of 3"
        + " runs after 1, each into a new repository%n", large[0], LARGE_STEPS));
    o.append(String.format(Locale.ROOT, "%-28s %9s %9s %9s %12s%n", "", "commit", "checkout",
        "raw copy", "stored/raw"));
    o.append(String.format(Locale.ROOT, "%-28s %9.0f %9.0f %9.0f %11.2f%%%n",
        "(d) one large version", large[1], large[2], large[3], large[4]));

    o.append(String.format(Locale.ROOT, "%nceilings on this machine, MB/s of raw values: what"
        + " commit and checkout could reach with no cost per version and every core busy."
        + " sha256 = %.0f MB/s on one core; durable write = %.0f MB/s (64 MB written and"
        + " fsync'd beside the repositories); a sync of a small object (256 KB) = %.1f ms."
        + " commit, disk = durable write / stored fraction (a commit's objects are on disk"
        + " before it returns); commit, sync = a version's raw MB / one small object's sync (a"
        + " commit syncs its objects, one at least, before it returns); commit, cpu = %d cores"
        + " / (values' sha256 + codec enc over the distinct tensors' bytes (the others are"
        + " deduplicated) + the object's sha256 over the stored bytes); checkout, cpu = %d"
        + " cores / (values' sha256 + codec dec), not counting the file it writes. The codec"
        + " speeds are those above, one thread, a record batch at a time.%n",
        ceilings.sha256(), ceilings.durableWrite(), ceilings.syncMs(), ceilings.cores(),
        ceilings.cores()));
    o.append(String.format(Locale.ROOT, "%-28s %10s %9s %9s %13s %13s %12s %8s %14s %9s%n",
        "workload", "stored (%)", "codec enc", "codec dec", "commit, disk", "commit, sync",
        "commit, cpu", "commit", "checkout, cpu", "checkout"));
    List<Measured> measured = new ArrayList<>();
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      measured.add(new Measured(w.name(), f.stored.get("delta+planes") / f.raw, f.codecEncode,
          f.codecDecode, f.commit, f.checkout, (double) f.distinct / f.raw,
          f.raw / MB / w.versions().size()));
    }
    measured.add(new Measured("(d) one large version", large[4] / 100, largeCodec.codecEncode,
        largeCodec.codecDecode, large[1], large[2], 1.0, large[0]));
    for (Measured m : measured) {
      o.append(String.format(Locale.ROOT, "%-28s %10.2f %9.0f %9.0f %13.0f %13.0f %12.0f %8.0f"
          + " %14.0f %9.0f%n", m.name(), 100 * m.stored(), m.encode(), m.decode(),
          ceilings.commitDisk(m.stored()), ceilings.commitSync(m.versionMb()),
          ceilings.commitCpu(m.encode(), m.coded(), m.stored()), m.commit(),
          ceilings.checkoutCpu(m.decode()), m.checkout()));
    }

    o.append("\ntargets (issue 5)\n");
    List<String[]> rows = new ArrayList<>();
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      double planes = pct(f.stored.get("planes"), f);
      rows.add(target("materialised (planes) <= 83% of raw, " + w.name(), planes, 83, true,
          "%.2f%%"));
    }
    Figures a = figures.get(workloads.get(0));
    rows.add(target("training snapshots <= 75% of raw", bestStored(a), 75, true, "%.2f%%"));
    Figures b = figures.get(workloads.get(1));
    rows.add(target("fine-tune lineage <= 15% of raw in total", bestStored(b), 15, true,
        "%.2f%%"));
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      rows.add(target("within 1.5 points of H0 best, " + w.name(),
          bestStored(f) - pct(f.h0Best, f), 1.5, true, "%.2f pts"));
    }
    for (Workload w : workloads) {
      Figures f = figures.get(w);
      rows.add(target("commit >= 1000 MB/s, " + w.name(), f.commit, 1000, false, "%.0f MB/s"));
      rows.add(target("checkout >= 1500 MB/s, " + w.name(), f.checkout, 1500, false,
          "%.0f MB/s"));
    }
    rows.add(target("commit >= 1000 MB/s, (d) one large version", large[1], 1000, false,
        "%.0f MB/s"));
    rows.add(target("checkout >= 1500 MB/s, (d) one large version", large[2], 1500, false,
        "%.0f MB/s"));
    for (Workload w : workloads) {
      rows.add(new String[] {"archive held every budget, " + w.name(),
          figures.get(w).budgetsHeld ? "yes" : "no", figures.get(w).budgetsHeld ? "met"
          : "MISSED"});
    }
    for (String[] r : rows) {
      o.append(String.format(Locale.ROOT, "%-58s %12s  %s%n", r[0], r[1], r[2]));
    }
    System.out.print(o);
  }

  /**
   * A workload's row of the ceilings table: its stored fraction of raw, codec MB/s (one
   * thread), commit and checkout MB/s, the fraction of raw a commit codes (its distinct
   * tensors) and the raw MB of a version.
   */
  private record Measured(String name, double stored, double encode, double decode,
      double commit, double checkout, double coded, double versionMb) { }

  /**
   * This machine's sha256 (one core) and durable write MB/s, and its cores: the ceilings they
   * put on commit and checkout, in MB/s of raw values.
   */
  private record Ceilings(double sha256, double durableWrite, double syncMs, int cores) {
    /** A version of {@code versionMb} raw MB whose commit syncs one object, at least. */
    double commitSync(double versionMb) {
      return versionMb / (syncMs / 1e3);
    }

    /** A commit's stored bytes ({@code stored} of raw) written and synced. */
    double commitDisk(double stored) {
      return durableWrite / stored;
    }

    /**
     * The values hashed, the {@code coded} fraction of them (the distinct tensors) coded at
     * {@code encode} MB/s, the stored bytes hashed.
     */
    double commitCpu(double encode, double coded, double stored) {
      return cores / (1 / sha256 + coded / encode + stored / sha256);
    }

    /** The values decoded at {@code decode} MB/s and hashed. */
    double checkoutCpu(double decode) {
      return cores / (1 / sha256 + 1 / decode);
    }
  }

  private static String[] target(String what, double got, double limit, boolean atMost,
      String fmt) {
    boolean met = atMost ? got <= limit : got >= limit;
    return new String[] {what, String.format(Locale.ROOT, fmt, got), met ? "met" : "MISSED"};
  }

  private static double bestStored(Figures f) {
    double best = Math.min(f.archived, f.archivedLoose);
    for (double s : f.stored.values()) {
      best = Math.min(best, s);
    }
    return pct(best, f);
  }

  private static double pct(double bytes, Figures f) {
    return 100.0 * bytes / f.raw;
  }

  private static final String LOAD_AT_START = BenchSupport.loadAverage();
}
