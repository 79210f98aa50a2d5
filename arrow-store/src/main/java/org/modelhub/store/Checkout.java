package org.modelhub.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.modelhub.store.catalog.FileEntry;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.format.Formats;
import org.modelhub.store.format.ModelExporter;
import org.modelhub.store.model.ModelContent;

/**
 * Exports a version into a folder: the model in a format (by default the one it was imported
 * from), plus its associated files at their recorded paths.
 */
public final class Checkout {
  private Checkout() {
  }

  /** The files written. */
  public static List<Path> run(Repository repo, VersionInfo v, String format, Path out,
      Progress progress) {
    String fmt = format != null ? format : v.format() != null ? v.format() : "safetensors";
    ModelExporter exporter = Formats.get().exporter(fmt);
    try {
      Files.createDirectories(out);
      ModelContent content = repo.content(v, progress);
      List<Path> written = new ArrayList<>(exporter.write(content, out));
      for (FileEntry f : repo.catalog().files(v.id())) {
        Path target = out.resolve(f.path()).normalize();
        if (!target.startsWith(out.normalize())) {
          throw new ModelHubException("file path '" + f.path() + "' of " + v.label()
              + " leaves the output folder");
        }
        Files.createDirectories(target.getParent());
        Files.write(target, repo.blob(f.sha256()));
        written.add(target);
      }
      return written;
    } catch (IOException e) {
      throw new ModelHubException("cannot write " + out + ": " + e.getMessage(), e);
    }
  }
}
