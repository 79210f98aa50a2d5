package org.modelhub.store.catalog;

/** An associated file of a version (FILES row); its bytes are blob {@code sha256}. */
public record FileEntry(String path, long size, String sha256) { }
