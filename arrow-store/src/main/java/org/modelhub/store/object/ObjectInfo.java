package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

/**
 * A stored tensor object (a row of the catalog's OBJECTS table): the logical hash of the raw
 * values it stands for, the id of the Arrow file holding them, its encoding and sizes.
 *
 * @param sha256 sha256 of the raw little-endian values (the dedup key)
 * @param objectId sha256 of the stored Arrow IPC bytes (the file name)
 * @param encoding {@code plain}, {@code planes}, {@code delta}, or a lossy encoding
 *     ({@code float16}, {@code bfloat16}, {@code fixed}, {@code quant})
 * @param compression IPC buffer compression: one codec, or one per plane ({@code zstd,raw})
 * @param base logical hash of the delta base, or null
 * @param rawBytes bytes of the raw values
 * @param storedBytes bytes of the object file
 * @param deltaOp {@code xor} or {@code sub} for a delta, else null
 * @param chainDepth deltas between this object and a materialised one (0: materialised)
 * @param planeBytes stored bytes of each plane ({@code 1200,4096,...}), or null
 * @param planeCrc CRC32C of each plane's bytes in hex, checked by progressive reads, or null
 * @param lossy the lossy scheme that made the stored values ({@code bfloat16},
 *     {@code fixed8}...), or null when the object rebuilds the values exactly
 * @param maxAbsError the largest absolute error of a lossy object's values, or null
 * @param rmse the root mean square error of a lossy object's values, or null
 * @param decodedSha256 sha256 of the values the object decodes to: {@code sha256} unless
 *     lossy; every read is checked against it
 * @param batch the first record batch of the values in a pack (an object holding the tensors
 *     of one commit or archive), or null when the object holds these values alone; the
 *     stored bytes of a packed tensor are those of its record batches
 */
public record ObjectInfo(String sha256, String objectId, String encoding, String compression,
    String base, long rawBytes, long storedBytes, String deltaOp, int chainDepth,
    String planeBytes, String planeCrc, String lossy, Double maxAbsError, Double rmse,
    String decodedSha256, Integer batch) {
  public ObjectInfo {
    requireNonNull(sha256, "sha256");
    requireNonNull(objectId, "objectId");
    requireNonNull(encoding, "encoding");
    requireNonNull(compression, "compression");
    if (decodedSha256 == null) {
      decodedSha256 = sha256;
    }
  }

  /** A materialised lossless object without plane details ({@code plain}). */
  public ObjectInfo(String sha256, String objectId, String encoding, String compression,
      String base, long rawBytes, long storedBytes) {
    this(sha256, objectId, encoding, compression, base, rawBytes, storedBytes, null, 0, null,
        null, null, null, null, sha256, null);
  }

  /** Whether the values are record batches of a pack shared with other tensors. */
  public boolean isPacked() {
    return batch != null;
  }

  /** This object, recorded at a chain depth of {@code depth}. */
  public ObjectInfo withChainDepth(int depth) {
    return new ObjectInfo(sha256, objectId, encoding, compression, base, rawBytes, storedBytes,
        deltaOp, depth, planeBytes, planeCrc, lossy, maxAbsError, rmse, decodedSha256, batch);
  }

  /** Whether reads give approximate values (a lossy archive). */
  public boolean isLossy() {
    return lossy != null;
  }

  /** Whether the object is a delta against {@link #base()}. */
  public boolean isDelta() {
    return base != null;
  }
}
