package org.modelhub.store.catalog;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** A committed version as the catalog's VERSIONS table describes it. */
public record VersionInfo(String id, String model, int version, Instant created, String author,
    String message, String format, String networkName, int numLayers, long numParams,
    long rawBytes, long storedBytes) {

  public VersionInfo {
    requireNonNull(id, "id");
    requireNonNull(model, "model");
  }

  /** {@code model@N}. */
  public String label() {
    return model + "@" + version;
  }

  /** The 12-character id prefix users type. */
  public String shortId() {
    return id.substring(0, 12);
  }
}
