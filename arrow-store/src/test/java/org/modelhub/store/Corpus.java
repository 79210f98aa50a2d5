package org.modelhub.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the shared corpus of real models ({@code ../shared/corpus} beside the clone, or
 * {@code MODELHUB_CORPUS}). Only tests read it; the product never does.
 */
public final class Corpus {
  private static final Path ROOT = find();

  private Corpus() {
  }

  /** A file of the corpus, e.g. {@code path("caffe/lenet.prototxt")}; fails if missing. */
  public static Path path(String relative) {
    Path p = ROOT.resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("corpus file missing: " + p);
    }
    return p;
  }

  public static Path root() {
    return ROOT;
  }

  private static Path find() {
    String env = System.getenv("MODELHUB_CORPUS");
    if (env != null && !env.isEmpty()) {
      return Paths.get(env).toAbsolutePath();
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolveSibling("shared").resolve("corpus");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("cannot find ../shared/corpus from "
        + Paths.get("").toAbsolutePath() + "; set MODELHUB_CORPUS");
  }
}
