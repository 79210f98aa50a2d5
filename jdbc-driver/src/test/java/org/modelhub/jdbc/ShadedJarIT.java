package org.modelhub.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelhub.store.Corpus;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;

/**
 * Checks the self-contained driver jar ({@code modelhub-jdbc-VERSION.jar}) the way a JDBC
 * tool meets it: every check that runs code starts a fresh JVM whose class path is that jar
 * alone, so nothing on this test's class path can stand in for a missing class, resource or
 * service registration.
 */
class ShadedJarIT {
  static final Path JAR = Paths.get(System.getProperty("modelhub.shaded.jar"));
  static final Path JAVA = Paths.get(System.getProperty("java.home"), "bin", "java");
  private static final Path PROBE =
      Paths.get(System.getProperty("modelhub.it.dir"), "JdbcProbe.java");
  /** The tables of DESIGN.md, which generic clients must be able to list. */
  private static final Set<String> TABLES = Set.of("MODELS", "VERSIONS", "LINEAGE", "LAYERS",
      "EDGES", "TENSORS", "WEIGHTS", "METRICS", "HYPERPARAMS", "FILES", "QUERIES", "QUERY_VERSIONS",
      "STORAGE_PLANS", "STORAGE_PLAN_VERSIONS");

  @TempDir static Path shared;
  @TempDir Path dir;

  private static Path repo;

  /** A repository written by the jar's own {@code dlv}: its importers come from the jar. */
  @BeforeAll static void commitWithTheJarsDlv() throws Exception {
    repo = shared.resolve("repo");
    dlv("init", repo.toString());
    dlv("add", "--repo=" + repo, Corpus.path("caffe/lenet.prototxt").toString(),
        Corpus.path("caffe/lenet_iter_10000.caffemodel").toString());
    dlv("commit", "--repo=" + repo, "-m", "LeNet, committed by the shaded jar", "--name",
        "lenet");
    dlv("add", "--repo=" + repo, Corpus.path("onnx/output_cnn_mnist.onnx").toString());
    dlv("commit", "--repo=" + repo, "-m", "an ONNX CNN", "--name", "cnn");
  }

  private static void dlv(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA.toString(), "-cp", JAR.toString(),
        "org.modelhub.cli.Dlv"));
    cmd.addAll(Arrays.asList(args));
    Ran.run(shared, null, cmd).expect(0);
  }

  @Test void holdsEveryClassAndResourceOfTheRuntimeClasspathButNotDl4j() throws IOException {
    Set<String> shaded = entries(JAR);
    List<String> missing = new ArrayList<>();
    for (Path dep : runtimeClasspath()) {
      for (String e : entries(dep)) {
        if (!e.startsWith("META-INF/") && !e.endsWith("module-info.class")
            && !shaded.contains(e)) {
          missing.add(dep.getFileName() + "!/" + e);
        }
      }
    }
    assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())),
        missing.size() + " entries missing");
    // Calcite's messages and the driver's own classes, named so a failure is easy to read
    assertTrue(shaded.contains("org/apache/calcite/runtime/CalciteResource.properties"));
    assertTrue(shaded.contains("org/modelhub/jdbc/Driver.class"));
    List<String> dl4j = shaded.stream().filter(e -> e.startsWith("org/nd4j/")
        || e.startsWith("org/deeplearning4j/") || e.startsWith("org/bytedeco/")
        || e.startsWith("org/modelhub/dl4j/")).limit(5).collect(Collectors.toList());
    assertEquals(List.of(), dl4j, "DL4J belongs to dl4j-runtime, not to the driver jar");
    List<String> signatures = shaded.stream()
        .filter(e -> e.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)")).collect(Collectors.toList());
    assertEquals(List.of(), signatures, "signatures of the merged jars would not verify");
  }

  @Test void mergesEveryServiceRegistration() throws IOException {
    Map<String, Set<String>> expected = new TreeMap<>();
    List<Path> sources = new ArrayList<>(runtimeClasspath());
    sources.add(JAR.resolveSibling("classes"));
    for (Path dep : sources) {
      services(dep).forEach((name, impls) ->
          expected.computeIfAbsent(name, k -> new TreeSet<>()).addAll(impls));
    }
    assertTrue(expected.get("org.modelhub.store.format.ModelImporter").size() >= 4,
        "caffe, onnx, tfjs and safetensors importers: " + expected);
    assertTrue(expected.get("java.sql.Driver").contains("org.modelhub.jdbc.Driver"));
    Map<String, Set<String>> actual = services(JAR);
    expected.forEach((name, impls) ->
        assertEquals(impls, actual.getOrDefault(name, Set.of()), "META-INF/services/" + name));
  }

  @Test void manifestNamesVersionAndSqlline() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      Attributes a = jar.getManifest().getMainAttributes();
      assertEquals("sqlline.SqlLine", a.getValue(Attributes.Name.MAIN_CLASS));
      assertEquals(System.getProperty("modelhub.version"),
          a.getValue(Attributes.Name.IMPLEMENTATION_VERSION));
      // merged multi-release jars (H2, Jackson, ...) keep their per-release classes only so
      assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("META-INF/versions/"))
          || "true".equals(a.getValue("Multi-Release")));
    }
  }

  @Test void createsAndQueriesRepositoryThroughDriverManager() throws Exception {
    Path created = dir.resolve("new-repo");
    Probe p = probe(List.of("-cp", JAR.toString()),
        List.of("jdbc:modelhub:" + created + ";create=true"),
        "SELECT COUNT(*) FROM VERSIONS", "SELECT COUNT(*) FROM MODELS");
    assertEquals(List.of(List.of("driver-manager", "org.modelhub.jdbc.Driver")),
        p.records("loader"));
    assertEquals(List.of(List.of("classpath", JAR.toString())), p.records("jvm"));
    assertEquals(List.of(List.of("ModelHub JDBC Driver", System.getProperty("modelhub.version"))),
        p.records("driver"));
    assertEquals(TABLES, p.tables());
    assertEquals(List.of("VERSION_ID", "TENSOR", "IDX", "WEIGHT"), p.columns("WEIGHTS"));
    assertEquals(List.of(List.of("0"), List.of("0")), p.records("row"));
    assertTrue(Files.isRegularFile(created.resolve("modelhub.properties")),
        ";create=true makes a repository");
  }

  @Test void queriesRepositoryThroughDriverManager() throws Exception {
    expectCommittedModels(probe(List.of("-cp", JAR.toString()),
        List.of("jdbc:modelhub:" + repo), queries()));
  }

  @Test void queriesRepositoryFromClassLoaderOfItsOwn() throws Exception {
    Probe p = probe(List.of(), List.of("--jar", JAR.toString(), "jdbc:modelhub:" + repo),
        queries());
    assertEquals(List.of(List.of("own", "true")), p.records("loader"));
    expectCommittedModels(p);
  }

  @Test void sqllinePipedFromTheJar() throws Exception {
    String script = "!tables\n"
        + "SELECT MODEL, VERSION, NUM_PARAMS FROM VERSIONS ORDER BY MODEL;\n"
        + "SELECT COUNT(*) AS N FROM TABLE(WEIGHT_STATS('lenet@1'));\n"
        + "!quit\n";
    Ran r = Ran.run(dir, script, List.of(JAVA.toString(), "-cp", JAR.toString(),
        "sqlline.SqlLine", "-u", "jdbc:modelhub:" + repo, "-n", "", "-p", "",
        "--isolation=TRANSACTION_NONE", "--outputformat=csv")).expect(0);
    ModelContent lenet = lenet();
    ModelContent cnn = cnn();
    assertContains(r, "'MODELHUB','WEIGHTS','TABLE'");
    assertContains(r, "'cnn','1','" + cnn.numParams() + "'\n'lenet','1','"
        + lenet.numParams() + "'\n");
    assertContains(r, "'N'\n'" + lenet.tensors().size() + "'\n");
    assertFalse(r.err.contains("Exception"), r.toString());
  }

  private static String[] queries() {
    return new String[] {
        "SELECT MODEL, VERSION, NUM_LAYERS, NUM_PARAMS FROM VERSIONS ORDER BY MODEL",
        "SELECT L.NAME, L.TYPE FROM LAYERS L JOIN VERSIONS V ON L.VERSION_ID = V.ID"
            + " WHERE V.MODEL = 'lenet' ORDER BY L.SEQ",
        "SELECT TENSOR, COUNT(*), SUM(WEIGHT) FROM WEIGHTS WHERE VERSION_ID ="
            + " (SELECT ID FROM VERSIONS WHERE MODEL = 'cnn') GROUP BY TENSOR",
        "SELECT TENSOR, NUM_VALUES, MEAN FROM TABLE(WEIGHT_STATS('lenet@1'))"};
  }

  /** Compares what the jar's driver returned with the corpus files read here. */
  private static void expectCommittedModels(Probe p) throws IOException {
    ModelContent lenet = lenet();
    ModelContent cnn = cnn();
    assertEquals(TABLES, p.tables());
    assertEquals(List.of(
        List.of("cnn", "1", "" + cnn.network().layers().size(), "" + cnn.numParams()),
        List.of("lenet", "1", "" + lenet.network().layers().size(), "" + lenet.numParams())),
        p.result(0));
    List<List<String>> layers = new ArrayList<>();
    for (Layer l : lenet.network().layers()) {
      layers.add(List.of(l.name(), l.type()));
    }
    assertEquals(layers, p.result(1));

    Map<String, List<String>> sums = new TreeMap<>();
    for (List<String> row : p.result(2)) {
      sums.put(row.get(0), row.subList(1, 3));
    }
    assertEquals(cnn.tensorMap().keySet(), sums.keySet());
    for (Tensor t : cnn.tensors()) {
      double sum = 0;
      double abs = 0;
      for (long i = 0; i < t.numValues(); i++) {
        sum += t.valueAt(i);
        abs += Math.abs(t.valueAt(i));
      }
      List<String> got = sums.get(t.name());
      assertEquals(t.numValues(), Long.parseLong(got.get(0)), t.name());
      assertEquals(sum, Double.parseDouble(got.get(1)), 1e-12 * (1 + abs), t.name());
    }

    Map<String, List<String>> stats = new TreeMap<>();
    for (List<String> row : p.result(3)) {
      stats.put(row.get(0), row.subList(1, 3));
    }
    assertEquals(lenet.tensorMap().keySet(), stats.keySet());
    for (Tensor t : lenet.tensors()) {
      double sum = 0;
      for (float f : t.toFloats()) {
        sum += f;
      }
      List<String> got = stats.get(t.name());
      assertEquals(t.numValues(), Long.parseLong(got.get(0)), t.name());
      assertEquals(sum / t.numValues(), Double.parseDouble(got.get(1)), 1e-9, t.name());
    }
  }

  private static ModelContent lenet() throws IOException {
    return Formats.get().importer("caffe").read(new ImportInput(
        List.of(Corpus.path("caffe/lenet.prototxt")),
        List.of(Corpus.path("caffe/lenet_iter_10000.caffemodel")), List.of(),
        Optional.empty()));
  }

  private static ModelContent cnn() throws IOException {
    return Formats.get().importer("onnx").read(
        ImportInput.of(Corpus.path("onnx/output_cnn_mnist.onnx"), FileRole.MODEL));
  }

  /** Runs {@code JdbcProbe} in a fresh JVM: {@code args} before the queries. */
  private Probe probe(List<String> jvmArgs, List<String> args, String... sql)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JAVA.toString()));
    cmd.addAll(jvmArgs);
    cmd.add(PROBE.toString());
    cmd.addAll(args);
    cmd.addAll(Arrays.asList(sql));
    return new Probe(Ran.run(dir, null, cmd).expect(0));
  }

  private static void assertContains(Ran r, String text) {
    assertTrue(r.out.contains(text), "expected <" + text + "> in\n" + r);
  }

  private static List<Path> runtimeClasspath() throws IOException {
    String cp = Files.readString(Paths.get(System.getProperty("modelhub.classpath"))).trim();
    return Stream.of(cp.split(java.io.File.pathSeparator)).map(Paths::get)
        .collect(Collectors.toList());
  }

  private static Set<String> entries(Path jar) throws IOException {
    try (JarFile j = new JarFile(jar.toFile())) {
      return j.stream().filter(e -> !e.isDirectory()).map(ZipEntry::getName)
          .collect(Collectors.toCollection(LinkedHashSet::new));
    }
  }

  /** The providers each {@code META-INF/services} file of a jar or folder names. */
  private static Map<String, Set<String>> services(Path jarOrDir) throws IOException {
    Map<String, Set<String>> out = new TreeMap<>();
    String prefix = "META-INF/services/";
    if (Files.isDirectory(jarOrDir)) {
      Path d = jarOrDir.resolve(prefix);
      if (Files.isDirectory(d)) {
        try (Stream<Path> files = Files.list(d)) {
          for (Path f : files.collect(Collectors.toList())) {
            out.put(f.getFileName().toString(), providers(Files.readAllBytes(f)));
          }
        }
      }
      return out;
    }
    try (JarFile j = new JarFile(jarOrDir.toFile())) {
      for (ZipEntry e : j.stream().collect(Collectors.toList())) {
        String n = e.getName();
        if (n.startsWith(prefix) && !e.isDirectory() && n.length() > prefix.length()) {
          try (InputStream in = j.getInputStream(e)) {
            out.put(n.substring(prefix.length()), providers(in.readAllBytes()));
          }
        }
      }
    }
    return out;
  }

  private static Set<String> providers(byte[] file) {
    Set<String> out = new TreeSet<>();
    for (String line : new String(file, StandardCharsets.UTF_8).split("\n")) {
      String s = line.replaceAll("#.*", "").trim();
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** What {@code JdbcProbe} printed: tab-separated records, the first field their kind. */
  private static final class Probe {
    private final Ran ran;
    private final List<List<String>> lines = new ArrayList<>();

    Probe(Ran ran) {
      this.ran = ran;
      for (String line : ran.out.split("\n")) {
        if (!line.isEmpty()) {
          lines.add(Arrays.asList(line.split("\t", -1)));
        }
      }
    }

    List<List<String>> records(String kind) {
      return lines.stream().filter(l -> l.get(0).equals(kind)).map(l -> l.subList(1, l.size()))
          .collect(Collectors.toList());
    }

    Set<String> tables() {
      return records("table").stream().filter(r -> r.get(0).equals("MODELHUB"))
          .map(r -> r.get(1)).collect(Collectors.toSet());
    }

    List<String> columns(String table) {
      return records("column").stream().filter(r -> r.get(0).equals(table))
          .map(r -> r.get(1)).collect(Collectors.toList());
    }

    /** The rows of the n-th query. */
    List<List<String>> result(int n) {
      Map<Integer, List<List<String>>> byQuery = new LinkedHashMap<>();
      int q = -1;
      for (List<String> l : lines) {
        if (l.get(0).equals("query")) {
          byQuery.put(++q, new ArrayList<>());
        } else if (l.get(0).equals("row")) {
          byQuery.get(q).add(l.subList(1, l.size()));
        }
      }
      if (!byQuery.containsKey(n)) {
        fail("no query " + n + " in\n" + ran);
      }
      return byQuery.get(n);
    }
  }

  /** A finished child process: exit code and everything it printed. */
  static final class Ran {
    final List<String> command;
    final int code;
    final String out;
    final String err;

    private Ran(List<String> command, int code, String out, String err) {
      this.command = command;
      this.code = code;
      this.out = out;
      this.err = err;
    }

    /**
     * Runs {@code command} in {@code dir} with {@code stdin} (null: none) and an environment
     * that adds nothing to a JVM's class path or options.
     */
    static Ran run(Path dir, String stdin, List<String> command)
        throws IOException, InterruptedException {
      return run(dir, stdin, command, Map.of());
    }

    static Ran run(Path dir, String stdin, List<String> command, Map<String, String> env)
        throws IOException, InterruptedException {
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
      for (String v : List.of("CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
          "_JAVA_OPTIONS")) {
        pb.environment().remove(v);
      }
      pb.environment().putAll(env);
      Path in = Files.createTempFile(dir, "stdin", ".txt");
      Path out = Files.createTempFile(dir, "stdout", ".txt");
      Path err = Files.createTempFile(dir, "stderr", ".txt");
      Files.writeString(in, stdin == null ? "" : stdin);
      pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      // a guard against a hung child, not a speed check: the JVM starts are slow on CI
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("still running after 10 minutes: " + command + "\n" + Files.readString(out)
            + Files.readString(err));
      }
      return new Ran(command, p.exitValue(), Files.readString(out), Files.readString(err));
    }

    Ran expect(int expected) {
      if (code != expected) {
        fail(String.format(Locale.ROOT, "exit %d, expected %d\n%s", code, expected, this));
      }
      return this;
    }

    @Override public String toString() {
      return "$ " + String.join(" ", command) + "\nexit " + code + "\nstdout:\n" + out
          + "\nstderr:\n" + err;
    }
  }
}
