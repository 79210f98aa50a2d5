package org.modelhub.store.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.modelhub.store.model.ModelContent;

/**
 * Reads one model format into a {@link ModelContent}. Implementations are found with
 * {@link java.util.ServiceLoader}; a format is one class per direction.
 */
public interface ModelImporter {
  /** Short format name used on the command line ({@code caffe}, {@code onnx}...). */
  String format();

  /**
   * The role {@code file} plays in this format, or empty when it is not of this format.
   * Cheap: looks at the name and the first bytes only.
   */
  Optional<FileRole> recognize(Path file) throws IOException;

  /**
   * Checks one file of this format on its own, as {@code dlv add} does before staging it.
   *
   * @throws FormatException naming the file, the place and what was wrong
   */
  void check(Path file, FileRole role) throws IOException;

  /**
   * Reads network and weights from the staged files.
   *
   * @throws FormatException naming the file, the place and what was wrong
   */
  ModelContent read(ImportInput input) throws IOException;
}
