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
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.ModelContent;

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
      ModelContent content = repo.content(v, progress);
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
        return result;
      }
      for (Path p : written) {
        Path dest = target.resolve(work.relativize(p));
        Files.createDirectories(dest.getParent());
        Files.move(p, dest, StandardCopyOption.REPLACE_EXISTING);
        result.add(dest);
      }
      return result;
    } catch (IOException e) {
      throw new ModelHubException("cannot write " + target + ": " + IoErrors.describe(e), e);
    } finally {
      deleteTree(work);
    }
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
