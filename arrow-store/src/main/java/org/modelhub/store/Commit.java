package org.modelhub.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.modelhub.store.catalog.FileEntry;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.NewVersion;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Metric;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Network;
import org.modelhub.store.model.NetworkJson;
import org.modelhub.store.model.Tensor;
import org.modelhub.store.object.ObjectInfo;
import org.modelhub.store.object.TensorStore;

/**
 * Describes and writes one new version. Tensor objects are written first (coded in parallel,
 * the small tensors together as one pack, each object crash-safe, identical values stored
 * once), then the catalog rows in one transaction: a commit that fails or is killed halfway
 * leaves no version visible.
 *
 * <pre>VersionInfo v = repo.newCommit().model("lenet").message("trained")
 *     .content(content).run(Progress.NONE);</pre>
 */
public final class Commit {
  private final Repository repo;
  private String model;
  private String message = "";
  private String author = System.getProperty("user.name", "");
  private Instant created;
  private String format;
  private ModelContent content;
  private VersionInfo weightsOf;
  private final List<NewVersion.Parent> parents = new ArrayList<>();
  private boolean defaultParent = true;
  private String firstParentModel;
  private String defaultKind = LineageEdge.COMMIT;
  private final Map<String, String> hyperparams = new LinkedHashMap<>();
  private final List<Metric> metrics = new ArrayList<>();
  private final Map<String, Path> files = new LinkedHashMap<>();
  private final List<FileEntry> storedFiles = new ArrayList<>();
  private boolean clearStage;

  Commit(Repository repo) {
    this.repo = requireNonNull(repo, "repo");
  }

  /** The model the version belongs to (default: the head model, else the network's name). */
  public Commit model(String name) {
    this.model = name == null ? null : Repository.checkModelName(name);
    return this;
  }

  public Commit message(String text) {
    this.message = requireNonNull(text, "message");
    return this;
  }

  public Commit author(String name) {
    this.author = requireNonNull(name, "author");
    return this;
  }

  /** Creation time (default: now). */
  public Commit created(Instant time) {
    this.created = time;
    return this;
  }

  /** The format the content was imported from, as recorded in VERSIONS.FORMAT. */
  public Commit format(String name) {
    this.format = name;
    return this;
  }

  /** Network, weights and the metadata the format carried. */
  public Commit content(ModelContent c) {
    this.content = requireNonNull(c, "content");
    return this;
  }

  /**
   * Reuses the network, stored weights (without reading them), hyperparameters and files of
   * {@code v}: a commit that stages only a training log or other files.
   */
  public Commit sameContentAs(VersionInfo v) {
    this.weightsOf = requireNonNull(v, "version");
    return this;
  }

  /**
   * Adds a parent; the first call replaces the default (the model's latest version). Without
   * {@link #model}, the version joins the first parent's model.
   */
  public Commit parent(VersionInfo v, String kind) {
    LineageEdge.checkKind(kind);
    if (defaultParent) {
      firstParentModel = v.model();
    }
    defaultParent = false;
    if (parents.stream().noneMatch(p -> p.id().equals(v.id()))) {
      parents.add(new NewVersion.Parent(v.id(), kind));
    }
    return this;
  }

  /** The lineage kind to the default parent, the model's latest version (default commit). */
  public Commit kind(String kind) {
    this.defaultKind = LineageEdge.checkKind(kind);
    return this;
  }

  /** Commits with no parent even if the model has versions. */
  public Commit noParent() {
    defaultParent = false;
    parents.clear();
    return this;
  }

  public Commit hyperparams(Map<String, String> values) {
    hyperparams.putAll(values);
    return this;
  }

  public Commit metrics(List<Metric> values) {
    metrics.addAll(values);
    return this;
  }

  /** Attaches a file, recorded under {@code path} and stored as a blob. */
  public Commit file(String path, Path source) {
    Path before = files.putIfAbsent(path, source);
    if (before != null && !before.equals(source)) {
      throw new ModelHubException("two files would both be recorded as '" + path + "' ("
          + before + " and " + source + "): add them from a common folder so their paths"
          + " differ, or rename one");
    }
    return this;
  }

  /** Attaches a file already stored as a blob. */
  public Commit storedFile(FileEntry entry) {
    storedFiles.add(entry);
    return this;
  }

  Commit clearStage() {
    this.clearStage = true;
    return this;
  }

  /** Writes the version; returns it as the catalog now shows it. */
  public VersionInfo run(Progress progress) {
    if (content == null && weightsOf == null) {
      throw new ModelHubException("nothing to commit: no network or weights given");
    }
    Network network = content != null ? content.network() : repo.network(weightsOf);
    String modelName = model != null ? model
        : firstParentModel != null ? firstParentModel
        : repo.headModel().filter(m -> repo.catalog().model(m).isPresent())
            .orElse(Repository.modelNameFor(network.name()));
    if (defaultParent) {
      repo.catalog().model(modelName).ifPresent(m -> parents.add(new NewVersion.Parent(
          repo.catalog().version(modelName, m.latestVersion()).orElseThrow().id(),
          defaultKind)));
    }
    Instant time = (created != null ? created : Instant.now()).truncatedTo(ChronoUnit.MILLIS);

    List<ObjectInfo> newObjects = new ArrayList<>();
    List<TensorEntry> entries = content != null
        ? storeTensors(content.tensors(), newObjects, progress)
        : repo.catalog().tensors(weightsOf.id());
    Map<String, FileEntry> fileEntries = new LinkedHashMap<>();
    if (weightsOf != null) {
      repo.catalog().files(weightsOf.id()).forEach(f -> fileEntries.put(f.path(), f));
    }
    storedFiles.forEach(f -> fileEntries.put(f.path(), f));
    files.forEach((path, source) -> fileEntries.put(path, storeBlob(path, source)));

    Map<String, String> hp = new LinkedHashMap<>();
    List<Metric> ms = new ArrayList<>();
    if (content != null) {
      hp.putAll(content.hyperparams());
      ms.addAll(content.metrics());
    } else {
      hp.putAll(repo.catalog().hyperparams(weightsOf.id()));
      // tests recorded on the source describe it, not the new version
      hp.keySet().removeIf(org.modelhub.store.runtime.TestResult::isTestRecord);
    }
    hp.putAll(hyperparams);
    ms.addAll(metrics);

    String fmt = format != null ? format : weightsOf != null ? weightsOf.format() : null;
    List<FileEntry> fileList = new ArrayList<>(fileEntries.values());
    String id = contentId(modelName, network, entries, hp, ms, fileList, time);
    NewVersion nv = new NewVersion(id, modelName, time, author, message, fmt, network, entries,
        newObjects, hp, ms, fileList, parents);
    repo.catalog().insert(nv, clearStage);
    repo.setHeadModel(modelName);
    return repo.catalog().version(id).orElseThrow();
  }

  private List<TensorEntry> storeTensors(List<Tensor> tensors, List<ObjectInfo> newObjects,
      Progress progress) {
    progress.begin("storing weights", tensors.stream().mapToLong(Tensor::numBytes).sum());
    // each writer waits milliseconds on its object's fsync: twice as many writers as cores
    // keep the cores busy meanwhile (and concurrent fsyncs share the file system's journal
    // commits)
    int cores = Runtime.getRuntime().availableProcessors();
    int threads = Math.max(2, Math.min(8, 2 * cores));
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "commit-writer");
      t.setDaemon(true);
      return t;
    });
    Map<String, CompletableFuture<Supplier<ObjectInfo>>> writing = new ConcurrentHashMap<>();
    DeltaBases bases = new DeltaBases(repo, parents.isEmpty() ? null : parents.get(0).id());
    TensorStore.Writes writes = repo.tensorStore().writes();
    List<CompletableFuture<Supplier<ObjectInfo>>> futures = new ArrayList<>();
    List<Supplier<ObjectInfo>> stored = Collections.synchronizedList(new ArrayList<>());
    try {
      for (Tensor t : tensors) {
        futures.add(CompletableFuture.supplyAsync(t::sha256, pool).thenCompose(sha -> {
          CompletableFuture<Supplier<ObjectInfo>> mine = new CompletableFuture<>();
          CompletableFuture<Supplier<ObjectInfo>> existing = writing.putIfAbsent(sha, mine);
          if (existing != null) {
            return existing;
          }
          CompletableFuture.runAsync(() -> {
            try {
              ObjectInfo known = repo.catalog().object(sha).orElse(null);
              // a lossy archive of the same values is replaced by the exact ones
              if (known != null && !known.isLossy()
                  && repo.tensorStore().objects().contains(known.objectId())) {
                mine.complete(() -> known);
              } else {
                Supplier<ObjectInfo> s = bases.store(t, writes);
                stored.add(s);
                mine.complete(s);
              }
            } catch (IOException | RuntimeException e) {
              mine.completeExceptionally(e);
            }
          }, pool);
          return mine;
        }).whenComplete((o, e) -> progress.advance(t.numBytes())));
      }
      List<Supplier<ObjectInfo>> objects = new ArrayList<>();
      for (CompletableFuture<Supplier<ObjectInfo>> f : futures) {
        objects.add(f.join());
      }
      // the small tensors, coded meanwhile, go to disk together
      writes.finish();
      stored.forEach(s -> newObjects.add(s.get()));
      List<TensorEntry> entries = new ArrayList<>();
      for (int i = 0; i < tensors.size(); i++) {
        Tensor t = tensors.get(i);
        entries.add(new TensorEntry(t.name(), i, t.shape(), t.dtype(), t.numValues(),
            objects.get(i).get()));
      }
      return entries;
    } catch (IOException e) {
      throw new ModelHubException("cannot store weights: " + IoErrors.describe(e), e);
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ModelHubException) {
        throw (ModelHubException) cause;
      }
      throw new ModelHubException("cannot store weights: " + cause.getMessage(), cause);
    } finally {
      pool.shutdownNow();
      progress.end();
    }
  }

  private FileEntry storeBlob(String path, Path source) {
    try {
      var stored = repo.blobs().put(out -> {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
          long size = in.size();
          for (long pos = 0; pos < size; ) {
            pos += in.transferTo(pos, size - pos, out);
          }
        }
      });
      return new FileEntry(path, stored.size(), stored.id());
    } catch (IOException e) {
      throw new ModelHubException("cannot store file " + path + ": " + IoErrors.describe(e), e);
    }
  }

  /** The content id: sha256 over network, weight hashes, metadata and parents. */
  private String contentId(String modelName, Network network, List<TensorEntry> entries,
      Map<String, String> hp, List<Metric> ms, List<FileEntry> fileEntries, Instant time) {
    StringBuilder sb = new StringBuilder("modelhub-version 1\n");
    sb.append("model ").append(modelName).append('\n');
    sb.append("network ").append(
        org.modelhub.store.model.Hashing.sha256Hex(NetworkJson.toJson(network, false)))
        .append('\n');
    for (TensorEntry e : entries) {
      sb.append("tensor ").append(e.name()).append(' ').append(e.dtype().label()).append(' ')
          .append(Tensor.shapeString(e.shape())).append(' ').append(e.sha256()).append('\n');
    }
    new TreeMap<>(hp).forEach((k, v) -> sb.append("hyperparam ").append(k).append('=')
        .append(v).append('\n'));
    for (Metric m : ms) {
      sb.append("metric ").append(m.name()).append(' ').append(m.step()).append(' ')
          .append(Double.doubleToLongBits(m.value())).append('\n');
    }
    for (FileEntry f : fileEntries) {
      sb.append("file ").append(f.path()).append(' ').append(f.sha256()).append('\n');
    }
    sb.append("created ").append(time).append('\n');
    sb.append("author ").append(author).append('\n');
    sb.append("message ").append(message).append('\n');
    for (NewVersion.Parent p : parents) {
      sb.append("parent ").append(p.id()).append(' ').append(p.kind()).append('\n');
    }
    return org.modelhub.store.model.Hashing.sha256Hex(sb.toString());
  }
}
