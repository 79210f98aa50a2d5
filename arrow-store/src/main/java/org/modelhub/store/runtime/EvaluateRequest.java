package org.modelhub.store.runtime;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import org.modelhub.store.ModelHubException;

/**
 * What DQL's {@code evaluate} asks of the runtime: train every source version under every
 * point of the grid (candidates = sources x grid), keep the best, commit the results.
 *
 * @param sources versions to start from ({@code model@N}, a model name or a content id)
 * @param config the config file, or null for the defaults
 * @param grid the {@code vary} clauses, in order (the first varies slowest)
 * @param keep the {@code keep top(...)} rule, or null to train every candidate to the end
 * @param runName the model the candidates are committed to, or null for
 *     {@code evaluate-<UTC time>}
 */
public record EvaluateRequest(List<String> sources, Path config, List<GridAxis> grid,
    KeepRule keep, String runName) {
  public EvaluateRequest {
    sources = List.copyOf(sources);
    grid = List.copyOf(grid);
    if (sources.isEmpty()) {
      throw new ModelHubException("evaluate: no source versions to train");
    }
  }

  public EvaluateRequest withRunName(String name) {
    return new EvaluateRequest(sources, config, grid, keep, requireNonNull(name, "name"));
  }
}
