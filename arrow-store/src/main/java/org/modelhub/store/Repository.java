package org.modelhub.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.catalog.Catalog;
import org.modelhub.store.catalog.ModelInfo;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.Compression;
import org.modelhub.store.object.CorruptObjectException;
import org.modelhub.store.object.FileObjectStore;
import org.modelhub.store.object.MemoryObjectStore;
import org.modelhub.store.object.ObjectStore;
import org.modelhub.store.object.TensorStore;
import org.modelhub.store.runtime.TestResult;

/**
 * A ModelHub repository: the H2 catalog, the tensor objects and the blobs of one folder (or
 * of memory, for {@code jdbc:modelhub:mem:} and tests). Entry point of the store.
 *
 * <pre>
 * repo/
 *   modelhub.properties   format version, settings
 *   catalog.mv.db         H2 catalog
 *   objects/ab/cdef...    Arrow IPC tensor files, named by the sha256 of their bytes
 *   blobs/ab/cdef...      associated files
 *   tmp/                  writes in progress (renamed into place when whole)
 * </pre>
 */
public final class Repository implements AutoCloseable {
  /** The folder name {@code dlv init} creates and discovery looks for. */
  public static final String DIR_NAME = ".dlv";
  public static final String PROPERTIES = "modelhub.properties";
  public static final int FORMAT_VERSION = 1;

  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  private static final Pattern REF = Pattern.compile("(.+)@(\\d+|latest)");
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{4,64}");

  private final Path root;
  private final Catalog catalog;
  private final TensorStore tensors;
  private final ObjectStore blobs;

  private Repository(Path root, Catalog catalog, TensorStore tensors, ObjectStore blobs) {
    this.root = root;
    this.catalog = requireNonNull(catalog, "catalog");
    this.tensors = requireNonNull(tensors, "tensors");
    this.blobs = requireNonNull(blobs, "blobs");
    tensors.setLookup(sha -> catalog.object(sha).orElse(null));
  }

  /**
   * The longest delta chain a commit may start ({@code pas.max_chain} in the catalog's
   * settings, default 4; 0 stores every tensor materialised).
   */
  public int maxChain() {
    return catalog.setting("pas.max_chain").map(s -> Integer.parseInt(s.trim()))
        .orElse(DeltaBases.DEFAULT_MAX_CHAIN);
  }

  /** Makes {@code dir} a new repository; fails if it already is one. */
  public static Repository init(Path dir) {
    Path d = checkPath(dir.toAbsolutePath().normalize());
    if (Files.exists(d.resolve(PROPERTIES))) {
      throw new ModelHubException("a repository already exists in " + d);
    }
    try {
      Files.createDirectories(d);
      // the catalog first: a folder whose properties file exists is a whole repository
      Catalog.open(catalogUrl(d)).close();
      Properties p = new Properties();
      p.setProperty("format.version", Integer.toString(FORMAT_VERSION));
      p.setProperty("store.compression", Compression.NONE.label());
      p.setProperty("store.encoding", "planes");
      p.setProperty("store.planes.codec", Compression.ZSTD.label());
      Path tmp = d.resolve(PROPERTIES + ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, "ModelHub repository");
      }
      Files.move(tmp, d.resolve(PROPERTIES), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new ModelHubException("cannot create a repository in " + d + ": "
          + IoErrors.describe(e), e);
    }
    return open(d);
  }

  /** H2 separates URL settings with ';', so a path holding one cannot name a catalog. */
  private static Path checkPath(Path d) {
    if (d.toString().contains(";")) {
      throw new ModelHubException("repository path " + d + " contains ';', which the H2"
          + " catalog URL cannot hold; choose another folder name");
    }
    return d;
  }

  /**
   * The catalog's URL. {@code AUTO_SERVER} lets a second process (a reader such as
   * {@code dlv list} during a long commit, or the hub server) share the catalog through
   * H2's server mode instead of failing on the file lock.
   */
  private static String catalogUrl(Path d) {
    return "jdbc:h2:file:" + d.resolve("catalog") + ";AUTO_SERVER=TRUE";
  }

  /** Opens the repository in {@code dir}. */
  public static Repository open(Path dir) {
    Path d = checkPath(dir.toAbsolutePath().normalize());
    Path props = d.resolve(PROPERTIES);
    if (!Files.isRegularFile(props)) {
      throw new ModelHubException("not a ModelHub repository: " + d
          + " (no " + PROPERTIES + "; create one with 'dlv init')");
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(props)) {
      p.load(in);
    } catch (IOException e) {
      throw new ModelHubException("cannot read " + props + ": " + e.getMessage(), e);
    }
    int format = Integer.parseInt(p.getProperty("format.version", "0").trim());
    if (format != FORMAT_VERSION) {
      throw new ModelHubException(props + ": repository format " + format
          + " is not supported (this dlv reads format " + FORMAT_VERSION + ")");
    }
    Compression compression = Compression.parse(p.getProperty("store.compression", "none"));
    try {
      Path tmp = d.resolve("tmp");
      TensorStore tensors = new TensorStore(
          new FileObjectStore(d.resolve("objects"), tmp), compression);
      ObjectStore blobs = new FileObjectStore(d.resolve("blobs"), tmp);
      tensors.setEncoding(p.getProperty("store.encoding", "planes").trim());
      tensors.setPlanesCodec(Compression.parse(p.getProperty("store.planes.codec", "zstd")));
      try {
        tensors.setPacks(size(p, props, "store.pack.tensor_bytes",
            TensorStore.PACK_TENSOR_BYTES), size(p, props, "store.pack.bytes",
            TensorStore.PACK_BYTES));
      } catch (IllegalArgumentException e) {
        throw new ModelHubException(props + ": store.pack.tensor_bytes: " + e.getMessage(), e);
      }
      Catalog catalog = Catalog.open(catalogUrl(d));
      return new Repository(d, catalog, tensors, blobs);
    } catch (IOException e) {
      throw new ModelHubException("cannot open repository " + d + ": " + IoErrors.describe(e),
          e);
    }
  }

  private static long size(Properties p, Path props, String key, long dflt) {
    String v = p.getProperty(key);
    try {
      long n = v == null ? dflt : Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ModelHubException(props + ": " + key + "=" + v
          + " is not a byte count (a whole number, 0 or more)");
    }
  }

  /** An in-memory repository named {@code name}, for tests and {@code jdbc:modelhub:mem:}. */
  public static Repository memory(String name) {
    Catalog catalog = Catalog.open("jdbc:h2:mem:modelhub-" + name + ";DB_CLOSE_DELAY=-1");
    return new Repository(null, catalog,
        new TensorStore(new MemoryObjectStore(), Compression.NONE), new MemoryObjectStore());
  }

  /**
   * Finds the repository for a command run in {@code start}: a folder holding
   * {@code modelhub.properties}, or its {@code .dlv} subfolder, here or in a parent.
   */
  public static Optional<Path> discover(Path start) {
    for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(DIR_NAME).resolve(PROPERTIES))) {
        return Optional.of(d.resolve(DIR_NAME));
      }
      if (Files.isRegularFile(d.resolve(PROPERTIES))) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /** The folder, or empty for an in-memory repository. */
  public Optional<Path> root() {
    return Optional.ofNullable(root);
  }

  public Catalog catalog() {
    return catalog;
  }

  public TensorStore tensorStore() {
    return tensors;
  }

  public ObjectStore blobs() {
    return blobs;
  }

  /** Checks a model name: letters, digits, {@code .}, {@code _}, {@code -}. */
  public static String checkModelName(String name) {
    if (!MODEL_NAME.matcher(name).matches()) {
      throw new ModelHubException("invalid model name '" + name + "': use letters, digits, '.',"
          + " '_' and '-', starting with a letter or digit");
    }
    return name;
  }

  /** Turns a free-form network name into a model name ({@code "LeNet 5"} -> {@code lenet-5}). */
  public static String modelNameFor(String networkName) {
    String s = networkName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-")
        .replaceAll("^[^a-z0-9]+", "").replaceAll("-+$", "");
    return s.isEmpty() ? "model" : s.length() > 200 ? s.substring(0, 200) : s;
  }

  /**
   * Resolves a version reference: {@code model@N}, {@code model@latest}, a bare model name
   * (its latest version) or a unique prefix (4+ hex digits) of a content id.
   */
  public VersionInfo resolve(String ref) {
    String r = ref.trim();
    Matcher m = REF.matcher(r);
    if (m.matches()) {
      String model = m.group(1);
      ModelInfo info = catalog.model(model).orElseThrow(() -> new ModelHubException(
          "unknown version '" + r + "': no model named '" + model + "'"));
      int n;
      try {
        n = m.group(2).equals("latest") ? info.latestVersion() : Integer.parseInt(m.group(2));
      } catch (NumberFormatException e) {
        n = -1;
      }
      return catalog.version(model, n).orElseThrow(() -> new ModelHubException(
          "unknown version '" + r + "': model '" + model + "' has versions 1.."
              + info.latestVersion()));
    }
    Optional<ModelInfo> model = catalog.model(r);
    if (model.isPresent()) {
      return catalog.version(r, model.get().latestVersion()).orElseThrow();
    }
    if (HEX.matcher(r).matches()) {
      // a whole content id (SQL functions get them from VERSIONS.ID): one lookup by key
      Optional<VersionInfo> exact = r.length() == 64
          ? catalog.version(r.toLowerCase(Locale.ROOT)) : Optional.empty();
      if (exact.isPresent()) {
        return exact.get();
      }
      List<VersionInfo> found = catalog.versionsByIdPrefix(r);
      if (found.size() == 1) {
        return found.get(0);
      }
      if (found.size() > 1) {
        List<String> names = new ArrayList<>();
        found.forEach(v -> names.add(v.shortId() + " (" + v.label() + ")"));
        throw new ModelHubException("ambiguous version '" + r + "': matches "
            + String.join(", ", names));
      }
    }
    throw new ModelHubException("unknown version '" + r + "': expected model@N, a model name"
        + " or a content id prefix");
  }

  /** The network of a version. */
  public Network network(VersionInfo v) {
    return catalog.network(v.id());
  }

  /** One tensor of a version, read and verified. */
  public Tensor tensor(VersionInfo v, TensorEntry e) {
    return tensors.get(e.object(), e.name(), e.dtype(), e.shape(), v.label() + " " + e.name());
  }

  /**
   * Everything of a version: network, verified tensors, hyperparameters and metrics (without
   * the {@code eval.*} rows tests added after its commit: they are not its content).
   */
  public ModelContent content(VersionInfo v, Progress progress) {
    List<Tensor> list = readEach(v, "reading " + v.label(), e -> tensor(v, e), progress);
    Map<String, String> hyperparams = new LinkedHashMap<>(catalog.hyperparams(v.id()));
    hyperparams.keySet().removeIf(TestResult::isTestRecord);
    List<Metric> metrics = new ArrayList<>(catalog.metrics(v.id()));
    metrics.removeIf(m -> TestResult.isTestRecord(m.name()));
    return new ModelContent(network(v), list, hyperparams, metrics);
  }

  /**
   * Applies {@code read} to every tensor entry of a version, in parallel (reading, unzstd
   * and sha256 are CPU work), and returns the results in the version's tensor order.
   */
  public <T> List<T> readEach(VersionInfo v, String what, Function<TensorEntry, T> read,
      Progress progress) {
    List<TensorEntry> entries = catalog.tensors(v.id());
    progress.begin(what, entries.stream().mapToLong(e -> e.object().rawBytes()).sum());
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.min(threads, Math.max(1, entries.size())), r -> {
          Thread t = new Thread(r, "tensor-reader");
          t.setDaemon(true);
          return t;
        });
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (TensorEntry e : entries) {
        futures.add(pool.submit(() -> {
          T t = read.apply(e);
          progress.advance(e.object().rawBytes());
          return t;
        }));
      }
      List<T> list = new ArrayList<>();
      for (Future<T> f : futures) {
        list.add(f.get());
      }
      progress.end();
      return list;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelHubException("interrupted while reading " + v.label(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw new ModelHubException("cannot read " + v.label() + ": " + e.getCause(), e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The model {@code commit} uses when none is named: the last one committed or copied. */
  public Optional<String> headModel() {
    return catalog.setting("head.model");
  }

  void setHeadModel(String model) {
    catalog.putSetting("head.model", model);
  }

  /** Starts describing a new version. */
  public Commit newCommit() {
    return new Commit(this);
  }

  /**
   * Scaffolds model {@code newName} from {@code source}: version 1 of the new model has the
   * same network, weights (no object is copied), hyperparameters and files, with lineage kind
   * {@code copy}. Metrics stay with the source: they describe its training.
   */
  public VersionInfo copy(VersionInfo source, String newName, String message) {
    checkModelName(newName);
    if (catalog.model(newName).isPresent()) {
      throw new ModelHubException("model '" + newName + "' already exists");
    }
    Commit c = newCommit().model(newName).sameContentAs(source)
        .parent(source, org.modelhub.store.catalog.LineageEdge.COPY)
        .message(message != null ? message : "copy of " + source.label());
    catalog.files(source.id()).forEach(c::storedFile);
    return c.run(Progress.NONE);
  }

  /** The staging area of {@code dlv add}. */
  public Stage stage() {
    return new Stage(this);
  }

  /**
   * Copies blob {@code sha256} to {@code target}, checking its hash on the way.
   *
   * @param what how to name the file in an error ({@code notes.md of lenet@2})
   * @throws CorruptObjectException when the blob is missing or its bytes hash wrong
   */
  public void copyBlob(String sha256, Path target, String what) {
    MessageDigest md = Hashing.sha256();
    try (InputStream in = Channels.newInputStream(blobs.open(sha256));
         OutputStream out = Files.newOutputStream(target)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw new CorruptObjectException(what + ": cannot read blob " + sha256 + ": "
          + IoErrors.describe(e), e);
    }
    String actual = Hashing.hex(md.digest());
    if (!actual.equals(sha256)) {
      try {
        Files.deleteIfExists(target);
      } catch (IOException e) {
        // the corruption is the error to report
      }
      throw new CorruptObjectException(what + ": blob " + sha256 + " is corrupt (its bytes"
          + " hash to " + actual + ")");
    }
  }

  @Override public void close() {
    try {
      catalog.close();
    } finally {
      tensors.close();
    }
  }
}
