package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Hashing;
import org.modelhub.store.model.Tensor;

/**
 * Writes tensors as Arrow IPC objects and reads them back, checking on every read that the
 * rebuilt values hash to the logical sha256 the catalog recorded.
 */
public final class TensorStore implements AutoCloseable {
  private final ObjectStore objects;
  private final BufferAllocator allocator = new RootAllocator();
  private volatile PlainEncoding plain;
  private final java.util.concurrent.atomic.AtomicLong reads =
      new java.util.concurrent.atomic.AtomicLong();

  public TensorStore(ObjectStore objects, Compression compression) {
    this.objects = requireNonNull(objects, "objects");
    this.plain = new PlainEncoding(compression);
  }

  public ObjectStore objects() {
    return objects;
  }

  public void setCompression(Compression compression) {
    this.plain = new PlainEncoding(compression);
  }

  /** Stores a tensor (the caller has checked it is not stored yet) and describes the object. */
  public ObjectInfo put(Tensor tensor) throws IOException {
    PlainEncoding enc = plain;
    ObjectStore.StoredObject o;
    try (BufferAllocator child = allocator.newChildAllocator("put", 0, Long.MAX_VALUE)) {
      o = objects.put(out -> enc.write(tensor, child, out));
    }
    return new ObjectInfo(tensor.sha256(), o.id(), enc.name(), enc.compression().label(),
        null, tensor.numBytes(), o.size());
  }

  /**
   * Reads a tensor back and verifies it.
   *
   * @param what how to name the tensor in an error ({@code lenet@2 conv1/W})
   * @throws CorruptObjectException when the object is missing, unreadable or hashes wrong
   */
  public Tensor get(ObjectInfo info, String name, DType dtype, long[] shape, String what) {
    ByteBuffer raw = readRaw(info, what);
    String actual = Hashing.sha256Hex(raw);
    if (!actual.equals(info.sha256())) {
      throw new CorruptObjectException(what + ": object " + info.objectId()
          + " rebuilds values with sha256 " + actual + ", expected " + info.sha256()
          + " (the object is corrupt)");
    }
    return new Tensor(name, dtype, shape, raw, info.sha256());
  }

  /** How many objects this store has read since it was opened (tests prove pushdown). */
  public long objectsRead() {
    return reads.get();
  }

  private ByteBuffer readRaw(ObjectInfo info, String what) {
    reads.incrementAndGet();
    TensorEncoding enc = encoding(info, what);
    try (SeekableByteChannel ch = objects.open(info.objectId());
         BufferAllocator child = allocator.newChildAllocator("get", 0, Long.MAX_VALUE)) {
      return enc.read(ch, child, info.rawBytes());
    } catch (IOException | RuntimeException e) {
      throw new CorruptObjectException(what + ": cannot read object " + info.objectId()
          + ": " + e.getMessage(), e);
    }
  }

  private TensorEncoding encoding(ObjectInfo info, String what) {
    if (info.encoding().equals("plain")) {
      return new PlainEncoding(Compression.parse(info.compression()));
    }
    throw new CorruptObjectException(what + ": unknown encoding '" + info.encoding() + "'");
  }

  @Override public void close() {
    allocator.close();
  }
}
