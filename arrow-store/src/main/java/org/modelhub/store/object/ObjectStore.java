package org.modelhub.store.object;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.stream.Stream;

/**
 * Content-addressed storage: an object is named by the sha256 of its bytes. Writing is
 * crash-safe (bytes go to a temporary file, then an atomic rename), so an object that exists
 * is whole; an interrupted write leaves at most a temporary file, never a partial object.
 */
public interface ObjectStore {
  /** Writes one object, returns its id (hex sha256) and size. */
  StoredObject put(ObjectWriter writer) throws IOException;

  boolean contains(String id);

  /** Opens an object for random access. */
  SeekableByteChannel open(String id) throws IOException;

  long size(String id) throws IOException;

  void delete(String id) throws IOException;

  /** Every object id (for fsck and gc). */
  Stream<String> ids() throws IOException;

  /** Leftovers of interrupted writes, removed by {@link #removeTemporaries()}. */
  long temporaries() throws IOException;

  void removeTemporaries() throws IOException;

  /** Produces an object's bytes. */
  @FunctionalInterface
  interface ObjectWriter {
    void write(WritableByteChannel out) throws IOException;
  }

  /** An object's id and size in bytes. */
  record StoredObject(String id, long size) { }
}
