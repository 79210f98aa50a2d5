package org.modelhub.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.modelhub.store.catalog.FileEntry;
import org.modelhub.store.catalog.TensorEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.model.Tensor;

/**
 * Exports a version into a folder: the model in a format (by default the one it was imported
 * from), plus its associated files at their recorded paths. Everything is written into a
 * temporary folder beside the target and moved into place when whole, so a failed checkout
 * leaves nothing behind; an existing non-empty folder is refused unless {@code force}.
 */
public final class Checkout {
  private Checkout() {
  }

  /** The files written. */
  public static List<Path> run(Repository repo, VersionInfo v, String format, Path out,
      boolean force, Progress progress) {
    return export(repo, v, format, out, force, 4, progress).files();
  }

  /**
   * What a checkout wrote, and how far its values may be from the committed ones: the
   * largest error bound of a progressive read (0 when exact) and the tensors whose objects
   * are lossy archives.
   */
  public record Result(List<Path> files, int planes, double maxErrorBound,
      List<String> lossyTensors) { }

  /**
   * Exports a version; with {@code planes} below 4, float32 weights are rebuilt from their
   * top byte planes only (PAS progressive retrieval) and are approximate.
   */
  public static Result export(Repository repo, VersionInfo v, String format, Path out,
      boolean force, int planes, Progress progress) {
    if (planes < 1 || planes > 4) {
      throw new ModelHubException("--planes must be 1 to 4, not " + planes);
    }
    String fmt = format != null ? format : v.format() != null ? v.format() : "safetensors";
    ModelExporter exporter = Formats.get().exporter(fmt);
    Path target = out.toAbsolutePath().normalize();
    boolean exists = Files.isDirectory(target);
    if (Files.exists(target) && !exists) {
      throw new ModelHubException(target + ": exists and is not a folder");
    }
    if (exists && !force && !isEmpty(target)) {
      throw new ModelHubException(target + ": folder is not empty (use --force to write into"
          + " it, replacing files of the same names)");
    }
    Path work = target.resolveSibling(target.getFileName() + ".checkout-"
        + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectories(work);
      double[] bound = {0};
      ModelContent content = planes == 4 ? repo.content(v, progress)
          : approximate(repo, v, planes, bound, progress);
      List<String> lossy = new ArrayList<>();
      for (TensorEntry e : repo.catalog().tensors(v.id())) {
        if (e.object().isLossy()) {
          lossy.add(e.name() + " (" + e.object().lossy() + ", max abs error "
              + e.object().maxAbsError() + ")");
        }
      }
      List<Path> written = new ArrayList<>(exporter.write(content, work));
      for (FileEntry f : repo.catalog().files(v.id())) {
        Path file = work.resolve(f.path()).normalize();
        if (!file.startsWith(work)) {
          throw new ModelHubException("file path '" + f.path() + "' of " + v.label()
              + " leaves the output folder");
        }
        Files.createDirectories(file.getParent());
        repo.copyBlob(f.sha256(), file, f.path() + " of " + v.label());
        written.add(file);
      }
      List<Path> result = new ArrayList<>();
      if (!exists) {
        Files.createDirectories(target.getParent());
        Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
        written.forEach(p -> result.add(target.resolve(work.relativize(p))));
        return new Result(result, planes, bound[0], lossy);
      }
      for (Path p : written) {
        Path dest = target.resolve(work.relativize(p));
        Files.createDirectories(dest.getParent());
        Files.move(p, dest, StandardCopyOption.REPLACE_EXISTING);
        result.add(dest);
      }
      return new Result(result, planes, bound[0], lossy);
    } catch (IOException e) {
      throw new ModelHubException("cannot write " + target + ": " + IoErrors.describe(e), e);
    } finally {
      deleteTree(work);
    }
  }

  private static ModelContent approximate(Repository repo, VersionInfo v, int planes,
      double[] bound, Progress progress) {
    List<Approximation> read = repo.readEach(v, "reading top " + planes + " planes of "
        + v.label(), e -> e.dtype() == DType.FLOAT32 ? Approximation.of(repo, v, e, planes)
            : Approximation.exact(repo.tensor(v, e)), progress);
    List<Tensor> tensors = new ArrayList<>();
    for (Approximation a : read) {
      bound[0] = Math.max(bound[0], a.maxBound());
      tensors.add(a.tensor());
    }
    return new ModelContent(repo.network(v), tensors, repo.catalog().hyperparams(v.id()),
        repo.catalog().metrics(v.id()));
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new ModelHubException("cannot read " + dir + ": " + IoErrors.describe(e), e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // leftovers of a failed checkout are harmless; the original error matters more
    }
  }
}
