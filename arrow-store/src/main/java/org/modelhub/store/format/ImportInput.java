package org.modelhub.store.format;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.modelhub.store.model.Network;

/**
 * The staged files of one format for one commit, and the network of the parent version for
 * commits that stage weights only.
 */
public record ImportInput(List<Path> networks, List<Path> weights, List<Path> models,
    Optional<Network> baseNetwork) {

  public ImportInput {
    networks = List.copyOf(networks);
    weights = List.copyOf(weights);
    models = List.copyOf(models);
    requireNonNull(baseNetwork, "baseNetwork");
  }

  /** A single file of the given role. */
  public static ImportInput of(Path file, FileRole role) {
    return new ImportInput(
        role == FileRole.NETWORK ? List.of(file) : List.of(),
        role == FileRole.WEIGHTS ? List.of(file) : List.of(),
        role == FileRole.MODEL ? List.of(file) : List.of(),
        Optional.empty());
  }

  public ImportInput withBase(Network base) {
    return new ImportInput(networks, weights, models, Optional.ofNullable(base));
  }
}
