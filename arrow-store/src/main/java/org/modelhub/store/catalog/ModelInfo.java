package org.modelhub.store.catalog;

import java.time.Instant;

/** A model as the catalog's MODELS table describes it. */
public record ModelInfo(String name, Instant created, int latestVersion, int versionCount) { }
