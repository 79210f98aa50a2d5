package org.modelhub.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.calcite.jdbc.CalciteConnection;
import org.modelhub.calcite.ModelHubSchema;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerTypes;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;

/**
 * A full scan of the WEIGHTS table of one float32 model of 100M+ values through the
 * {@code jdbc:modelhub:} driver (every row read with {@code getDouble}) against reading the
 * same Arrow IPC objects with Arrow Java's {@code ArrowFileReader}. Prints values per second.
 *
 * <p>Runs with {@code --add-opens=java.base/java.nio=ALL-UNNAMED}, which Arrow Java's own
 * reader needs on Java 17 ({@code bench/run} adds it). Arguments: {@code [millions-of-values]
 * [tensors] [runs] [work-dir]}; the repository is generated once under {@code bench/work/}.
 */
public final class SqlWeightsBench {
  private static final double TARGET = 30e6;
  private static final String DONE = "bench-generated.properties";
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private SqlWeightsBench() {
  }

  public static void main(String[] args) throws Exception {
    long millions = args.length > 0 ? Long.parseLong(args[0]) : 100;
    int tensors = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path work = Paths.get(args.length > 3 ? args[3]
        : System.getProperty("modelhub.bench.work", "bench/work")).toAbsolutePath();
    Path repo = ensure(work.resolve(String.format(Locale.ROOT, "weights-%dMx%d", millions,
        tensors)), millions * 1_000_000L, tensors);

    Class.forName("org.modelhub.jdbc.Driver");
    try (Connection driver = DriverManager.getConnection("jdbc:modelhub:" + repo)) {
      Repository r = driver.unwrap(CalciteConnection.class).getRootSchema()
          .subSchemas().get(ModelHubSchema.NAME).unwrap(ModelHubSchema.class).repository();
      run(driver, r, runs);
    }
  }

  /** A way of reading every weight of the version; returns the sum, so none is skipped. */
  @FunctionalInterface
  interface Scan {
    double run() throws Exception;
  }

  private static void run(Connection driver, Repository repo, int runs) throws Exception {
    VersionInfo v = repo.resolve("big@1");
    List<TensorEntry> entries = repo.catalog().tensors(v.id());
    long values = entries.stream().mapToLong(TensorEntry::numValues).sum();
    Path objects = repo.root().orElseThrow().resolve("objects");

    Map<String, Scan> scans = new LinkedHashMap<>();
    scans.put("Arrow Java: ArrowFileReader", () -> {
      double sum = 0;
      try (BufferAllocator allocator = new RootAllocator()) {
        for (TensorEntry e : entries) {
          String id = e.object().objectId();
          Path file = objects.resolve(id.substring(0, 2)).resolve(id.substring(2));
          sum = arrowSum(file, allocator, sum);
        }
      }
      return sum;
    });
    scans.put("store: Repository.tensor", () -> {
      double sum = 0;
      for (TensorEntry e : entries) {
        FloatBuffer f = repo.tensor(v, e).data().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0, n = f.remaining(); i < n; i++) {
          sum += f.get(i);
        }
      }
      return sum;
    });
    PreparedStatement weight = driver.prepareStatement(
        "SELECT WEIGHT FROM WEIGHTS WHERE VERSION_ID = ?");
    scans.put("JDBC: SELECT WEIGHT", () -> {
      double sum = 0;
      weight.setString(1, v.id());
      try (ResultSet rs = weight.executeQuery()) {
        while (rs.next()) {
          sum += rs.getDouble(1);
        }
      }
      return sum;
    });
    PreparedStatement all = driver.prepareStatement(
        "SELECT VERSION_ID, TENSOR, IDX, WEIGHT FROM WEIGHTS WHERE VERSION_ID = ?");
    scans.put("JDBC: SELECT all 4 columns", () -> {
      double sum = 0;
      long idx = 0;
      long names = 0;
      all.setString(1, v.id());
      try (ResultSet rs = all.executeQuery()) {
        while (rs.next()) {
          names += rs.getString(1).length() + rs.getString(2).length();
          idx += rs.getLong(3);
          sum += rs.getDouble(4);
        }
      }
      return names > 0 && idx > 0 ? sum : Double.NaN;
    });

    Map<String, double[]> seconds = new LinkedHashMap<>();
    Map<String, double[]> cpuSeconds = new LinkedHashMap<>();
    Map<String, Double> sums = new LinkedHashMap<>();
    // one untimed round for the JIT, then the timed rounds, each reading through every path
    for (int round = -1; round < runs; round++) {
      for (Map.Entry<String, Scan> s : scans.entrySet()) {
        long c0 = PROCESS.getProcessCpuTime();
        long t0 = System.nanoTime();
        double sum = s.getValue().run();
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpu = (PROCESS.getProcessCpuTime() - c0) / 1e9;
        sums.put(s.getKey(), sum);
        System.err.printf(Locale.ROOT, "%s%s: %.3f s (%.3f s cpu)%n",
            round < 0 ? "(warm-up) " : "", s.getKey(), secs, cpu);
        if (round >= 0) {
          seconds.computeIfAbsent(s.getKey(), k -> new double[runs])[round] = secs;
          cpuSeconds.computeIfAbsent(s.getKey(), k -> new double[runs])[round] = cpu;
        }
      }
    }
    double expected = sums.values().iterator().next();
    sums.forEach((name, sum) -> {
      if (sum != expected) {
        throw new IllegalStateException(name + " sums the weights to " + sum + ", Arrow Java to "
            + expected);
      }
    });

    System.out.println(String.format(Locale.ROOT, "# full scan of the weights of one float32"
        + " version: %,d values in %d tensors (%.0f MB raw, encoding %s), median of %d runs"
        + " after one warm-up, warm page cache", values, entries.size(), values * 4 / 1e6,
        entries.get(0).object().encoding(), runs));
    System.out.println(String.format(Locale.ROOT, "# %d cores, Java %s, load average %s;"
        + " every path sums every value (checked equal)",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        BenchSupport.loadAverage()));
    System.out.printf(Locale.ROOT, "%-28s %8s %10s %13s %9s %8s %12s%n", "read path",
        "seconds", "values/s", "vs Arrow Java", ">= 30M/s", "cpu s", "values/cpu-s");
    double base = values / BenchSupport.median(seconds.values().iterator().next());
    seconds.forEach((name, secs) -> {
      double rate = values / BenchSupport.median(secs);
      double cpu = BenchSupport.median(cpuSeconds.get(name));
      System.out.printf(Locale.ROOT, "%-28s %8.3f %9.1fM %12.2fx %9s %8.3f %11.1fM%n", name,
          BenchSupport.median(secs), rate / 1e6, rate / base,
          name.startsWith("JDBC") ? rate >= TARGET ? "yes" : "NO" : "-", cpu,
          values / cpu / 1e6);
    });
    System.out.println("# Arrow Java: ArrowFileReader over each object file (objects/ab/cdef..."
        + " named by TENSORS.OBJECT_ID), Float4Vector.get per value");
    System.out.println("# store: what the driver reads under WEIGHTS: the same objects read and"
        + " checked against their sha256, as every tensor read is");
    System.out.println("# JDBC: PreparedStatement (prepared once) WHERE VERSION_ID = ?, every"
        + " row read with getDouble (and getString/getLong for the other columns)");
    System.out.println("# cpu s: CPU time of the whole JVM during the scan (all threads: the"
        + " driver reads the next tensor on a second thread while one streams)");
    System.out.println("# load average at the end: " + BenchSupport.loadAverage());
  }

  /** Adds the values of a float32 Arrow IPC file, read with Arrow Java's own reader. */
  private static double arrowSum(Path file, BufferAllocator allocator, double sum)
      throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
         ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      for (ArrowBlock block : reader.getRecordBlocks()) {
        reader.loadRecordBatch(block);
        Float4Vector vector = (Float4Vector) root.getVector(0);
        for (int i = 0, n = vector.getValueCount(); i < n; i++) {
          sum += vector.get(i);
        }
      }
    }
    return sum;
  }

  /** The repository with model {@code big}: one version of {@code values} float32 values. */
  private static Path ensure(Path dir, long values, int tensors) throws IOException {
    if (Files.exists(dir.resolve(DONE))) {
      return dir;
    }
    if (Files.exists(dir)) {
      BenchSupport.deleteTree(dir);
    }
    List<Layer> layers = new ArrayList<>();
    List<Tensor> ts = new ArrayList<>();
    layers.add(new Layer("data", LayerTypes.INPUT, Map.of(), List.of()));
    SplittableRandom random = new SplittableRandom(11);
    long per = values / tensors;
    int rows = 1000;
    long cols = (per + rows - 1) / rows;
    for (int i = 0; i < tensors; i++) {
      String name = "fc" + (i + 1);
      layers.add(new Layer(name, LayerTypes.FC, Map.of("units", rows),
          List.of(i == 0 ? "data" : "fc" + i)));
      int n = Math.toIntExact(rows * cols);
      ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int k = 0; k < n; k++) {
        buf.putFloat(k * 4, (float) ((random.nextDouble() - 0.5) * 0.04));
      }
      ts.add(new Tensor(name + "/W", DType.FLOAT32, new long[] {rows, cols}, buf));
    }
    try (Repository repo = Repository.init(dir)) {
      repo.newCommit().model("big").message("bench weights").author("bench")
          .content(new ModelContent(new Network("big", layers, Map.of()), ts))
          .run(Progress.NONE);
    }
    Files.writeString(dir.resolve(DONE), "values=" + values + "\n");
    return dir;
  }
}
