package org.modelhub.store.object;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.apache.arrow.memory.BufferAllocator;
import org.modelhub.store.model.Tensor;

/**
 * One way of laying a tensor's values out as an Arrow IPC file (PAS encodings). Every
 * encoding writes standard Arrow that pyarrow or DuckDB can read; the schema metadata says
 * how to rebuild the raw values.
 */
public interface TensorEncoding {
  /** Name recorded in the catalog ({@code plain}, {@code planes}, {@code delta}). */
  String name();

  /** Writes {@code tensor} as one Arrow IPC file. */
  void write(Tensor tensor, BufferAllocator allocator, WritableByteChannel out)
      throws IOException;

  /** Reads the raw little-endian values back (into a buffer of {@code rawBytes}). */
  ByteBuffer read(SeekableByteChannel in, BufferAllocator allocator, long rawBytes)
      throws IOException;
}
