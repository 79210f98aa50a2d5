package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

/**
 * A stored tensor object (a row of the catalog's OBJECTS table): the logical hash of the raw
 * values it rebuilds, the id of the Arrow file holding them, its encoding and sizes.
 *
 * @param sha256 sha256 of the raw little-endian values (the dedup key)
 * @param objectId sha256 of the stored Arrow IPC bytes (the file name)
 * @param encoding encoding name, e.g. {@code plain}
 * @param compression IPC buffer compression of the object
 * @param base logical hash of the delta base, or null
 * @param rawBytes bytes of the raw values
 * @param storedBytes bytes of the object file
 */
public record ObjectInfo(String sha256, String objectId, String encoding, String compression,
    String base, long rawBytes, long storedBytes) {
  public ObjectInfo {
    requireNonNull(sha256, "sha256");
    requireNonNull(objectId, "objectId");
    requireNonNull(encoding, "encoding");
    requireNonNull(compression, "compression");
  }
}
