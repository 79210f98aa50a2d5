package org.modelhub.store.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Produces the demo models of {@code dlv quickstart}: real training runs written as model
 * files and training logs, committed in order. dl4j-runtime provides the implementation
 * (found with {@link java.util.ServiceLoader}); the store itself never trains.
 */
public interface QuickstartModels {
  /**
   * One step of the demo: commit {@code files} to {@code model}, or, when {@code copyOf} is
   * set, copy that version into the new model {@code model}.
   *
   * @param kind lineage kind to the previous version of the model ({@code commit},
   *     {@code fine-tune}...)
   */
  record Step(String model, String message, List<Path> files, String copyOf, String kind) { }

  /** Trains and writes the demo's files under {@code dir}; reports progress lines to log. */
  List<Step> write(Path dir, Consumer<String> log) throws IOException;
}
