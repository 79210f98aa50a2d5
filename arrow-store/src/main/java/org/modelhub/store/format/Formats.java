package org.modelhub.store.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.modelhub.store.ModelHubException;

/** The importers and exporters on the classpath. */
public final class Formats {
  private static volatile Formats instance;

  private final List<ModelImporter> importers = new ArrayList<>();
  private final List<ModelExporter> exporters = new ArrayList<>();

  private Formats(ClassLoader loader) {
    ServiceLoader.load(ModelImporter.class, loader).forEach(importers::add);
    ServiceLoader.load(ModelExporter.class, loader).forEach(exporters::add);
  }

  /** The formats visible to this class's loader (cached). */
  public static Formats get() {
    Formats f = instance;
    if (f == null) {
      f = new Formats(Formats.class.getClassLoader());
      instance = f;
    }
    return f;
  }

  /** A file recognised by some importer: the format and the role it plays. */
  public record Recognized(ModelImporter importer, FileRole role) { }

  /** Asks each importer in turn; the first that recognises the file wins. */
  public Optional<Recognized> recognize(Path file) throws IOException {
    for (ModelImporter imp : importers) {
      Optional<FileRole> role = imp.recognize(file);
      if (role.isPresent()) {
        return Optional.of(new Recognized(imp, role.get()));
      }
    }
    return Optional.empty();
  }

  public ModelImporter importer(String format) {
    return importers.stream().filter(i -> i.format().equals(format)).findFirst()
        .orElseThrow(() -> new ModelHubException("no importer for format '" + format
            + "' (known: " + importerNames() + ")"));
  }

  public ModelExporter exporter(String format) {
    return exporters.stream().filter(e -> e.format().equals(format)).findFirst()
        .orElseThrow(() -> new ModelHubException("unknown export format '" + format
            + "' (known: " + exporterNames() + ")"
            + ("dl4j".equals(format) ? "; the dl4j format needs dl4j-runtime on the classpath"
                : "")));
  }

  public String importerNames() {
    return importers.stream().map(ModelImporter::format).collect(Collectors.joining(", "));
  }

  public String exporterNames() {
    return exporters.stream().map(ModelExporter::format).collect(Collectors.joining(", "));
  }
}
