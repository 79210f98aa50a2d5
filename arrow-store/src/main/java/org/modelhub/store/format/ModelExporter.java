package org.modelhub.store.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.modelhub.store.model.ModelContent;

/** Writes a {@link ModelContent} in one format; found with {@link java.util.ServiceLoader}. */
public interface ModelExporter {
  String format();

  /**
   * Writes the model into {@code dir} (which exists) and returns the files written.
   *
   * @throws org.modelhub.store.ModelHubException when the network has a layer this format
   *     cannot express, naming the layer and its type
   */
  List<Path> write(ModelContent content, Path dir) throws IOException;
}
