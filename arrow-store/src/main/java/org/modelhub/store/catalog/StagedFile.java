package org.modelhub.store.catalog;

import java.time.Instant;
import org.modelhub.store.format.FileRole;

/**
 * A file recorded by {@code dlv add}: its absolute path, the role it plays and the format
 * that recognised it (null for logs and plain files). Commit reads the file then.
 */
public record StagedFile(String path, FileRole role, String format, long size, Instant added) { }
