package org.modelhub.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelhub.store.catalog.StagedFile;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.FileRole;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ImportInput;
import org.modelhub.store.format.ModelImporter;
import org.modelhub.store.model.ModelContent;

/**
 * The staging area behind {@code dlv add}: files recorded with the role they play (network,
 * weights, training log, other file) after a check that they parse. {@code dlv commit} reads
 * them then, as one version.
 */
public final class Stage {
  private final Repository repo;

  Stage(Repository repo) {
    this.repo = requireNonNull(repo, "repo");
  }

  /**
   * Checks and stages files. Nothing is staged unless every file passes.
   *
   * @param role forces the role of every file (null: recognise each)
   */
  public List<StagedFile> add(List<Path> paths, FileRole role) {
    List<StagedFile> out = new ArrayList<>();
    for (Path p : paths) {
      out.add(check(p.toAbsolutePath().normalize(), role));
    }
    out.forEach(repo.catalog()::stage);
    return out;
  }

  private StagedFile check(Path file, FileRole forced) {
    if (!Files.isRegularFile(file)) {
      throw new ModelHubException(file + ": " + (Files.isDirectory(file)
          ? "is a directory; add the files in it" : "no such file"));
    }
    try {
      Optional<Formats.Recognized> rec = Formats.get().recognize(file);
      FileRole role;
      String format = null;
      if (forced == FileRole.LOG || (forced == null && rec.isEmpty()
          && TrainingLog.looksLikeLog(file))) {
        TrainingLog.read(file);
        role = FileRole.LOG;
      } else if (forced == FileRole.FILE || rec.isEmpty()) {
        if (forced != null && forced != FileRole.FILE) {
          throw new ModelHubException(file + ": no format recognises this file as "
              + forced.name().toLowerCase(java.util.Locale.ROOT) + " (formats: "
              + Formats.get().importerNames() + ")");
        }
        role = FileRole.FILE;
      } else {
        ModelImporter imp = rec.get().importer();
        role = forced != null ? forced : rec.get().role();
        imp.check(file, role);
        format = imp.format();
      }
      return new StagedFile(file.toString(), role, format, Files.size(file), Instant.now());
    } catch (IOException e) {
      throw new ModelHubException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  public List<StagedFile> files() {
    return repo.catalog().staged();
  }

  public void remove(Path path) {
    repo.catalog().unstage(path.toAbsolutePath().normalize().toString());
  }

  /** Options of {@code dlv commit}. */
  public record CommitOptions(String model, String message, String author, List<String> parents,
      String kind) {
    public CommitOptions {
      requireNonNull(message, "message");
      parents = List.copyOf(parents);
    }
  }

  /**
   * Commits what is staged as one version and empties the stage, in one transaction. Files
   * are read now; a file that changed since {@code add} and no longer parses fails the
   * commit with nothing written to the catalog.
   */
  public VersionInfo commit(CommitOptions options, Progress progress) {
    List<StagedFile> staged = files();
    if (staged.isEmpty()) {
      throw new ModelHubException("nothing to commit: stage files with 'dlv add' first");
    }
    Commit commit = repo.newCommit().message(options.message()).clearStage();
    if (options.author() != null) {
      commit.author(options.author());
    }
    if (options.model() != null) {
      commit.model(options.model());
    }
    String kind = options.kind() != null ? options.kind()
        : org.modelhub.store.catalog.LineageEdge.COMMIT;
    commit.kind(kind);
    List<VersionInfo> parents = new ArrayList<>();
    for (String ref : options.parents()) {
      VersionInfo p = repo.resolve(ref);
      parents.add(p);
      commit.parent(p, kind);
    }
    VersionInfo base = parents.isEmpty() ? defaultBase(options.model()) : parents.get(0);

    Map<String, List<StagedFile>> byFormat = new LinkedHashMap<>();
    for (StagedFile f : staged) {
      Path path = Paths.get(f.path());
      switch (f.role()) {
        case LOG:
          TrainingLog log = readLog(path);
          commit.metrics(log.metrics()).hyperparams(log.hyperparams());
          commit.file(displayPath(path), path);
          break;
        case FILE:
          commit.file(displayPath(path), path);
          break;
        default:
          byFormat.computeIfAbsent(f.format(), k -> new ArrayList<>()).add(f);
      }
    }
    if (byFormat.size() > 1) {
      throw new ModelHubException("staged model files of several formats (" + String.join(", ",
          byFormat.keySet()) + "): a version has one network; unstage some with"
          + " 'dlv add --reset'");
    }
    if (byFormat.isEmpty()) {
      if (base == null) {
        throw new ModelHubException("nothing to commit: no network or weights are staged and"
            + " there is no parent version to take them from");
      }
      commit.sameContentAs(base);
    } else {
      String format = byFormat.keySet().iterator().next();
      ModelContent content = read(format, byFormat.get(format), base);
      commit.content(content).format(format);
    }
    return commit.run(progress);
  }

  private VersionInfo defaultBase(String model) {
    String m = model != null ? model : repo.headModel().orElse(null);
    if (m == null) {
      return null;
    }
    return repo.catalog().model(m)
        .flatMap(info -> repo.catalog().version(m, info.latestVersion())).orElse(null);
  }

  private ModelContent read(String format, List<StagedFile> files, VersionInfo base) {
    List<Path> networks = new ArrayList<>();
    List<Path> weights = new ArrayList<>();
    List<Path> models = new ArrayList<>();
    for (StagedFile f : files) {
      Path p = Paths.get(f.path());
      if (!Files.isRegularFile(p)) {
        throw new ModelHubException(p + ": staged file no longer exists");
      }
      (f.role() == FileRole.NETWORK ? networks : f.role() == FileRole.WEIGHTS ? weights
          : models).add(p);
    }
    ImportInput input = new ImportInput(networks, weights, models, Optional.empty());
    if (base != null && networks.isEmpty() && models.isEmpty()) {
      input = input.withBase(repo.network(base));
    }
    try {
      return Formats.get().importer(format).read(input);
    } catch (IOException e) {
      throw new ModelHubException("cannot read staged " + format + " files: " + e.getMessage(),
          e);
    }
  }

  private static TrainingLog readLog(Path p) {
    try {
      return TrainingLog.read(p);
    } catch (IOException e) {
      throw new ModelHubException(p + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** A file's path relative to the working folder when inside it, else its name. */
  static String displayPath(Path p) {
    Path cwd = Paths.get("").toAbsolutePath();
    return p.startsWith(cwd) ? cwd.relativize(p).toString() : p.getFileName().toString();
  }
}
