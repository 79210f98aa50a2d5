package org.modelhub.store.object;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.modelhub.store.model.Tensor;

/**
 * The baseline encoding: one column of the tensor's own type ({@code Float4} for float32),
 * in record batches of at most {@link #BATCH_VALUES} values, with optional IPC buffer
 * compression.
 */
public final class PlainEncoding implements TensorEncoding {
  /** Values per record batch: bounds memory when streaming and keeps batches parallel. */
  public static final int BATCH_VALUES = 1 << 22;

  private final Compression compression;

  public PlainEncoding(Compression compression) {
    this.compression = requireNonNull(compression, "compression");
  }

  @Override public String name() {
    return "plain";
  }

  public Compression compression() {
    return compression;
  }

  @Override public void write(Tensor tensor, BufferAllocator allocator,
      WritableByteChannel out) throws IOException {
    int width = tensor.dtype().size();
    Field field = new Field("value", FieldType.notNullable(ArrowTypes.of(tensor.dtype())), null);
    Schema schema = new Schema(List.of(field), Map.of(
        "modelhub.encoding", name(),
        "modelhub.dtype", tensor.dtype().label(),
        "modelhub.shape", Tensor.shapeString(tensor.shape()),
        "modelhub.sha256", tensor.sha256()));
    ByteBuffer data = tensor.data();
    long n = tensor.numValues();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      ArrowIpc.Writer writer = new ArrowIpc.Writer(out, schema, compression);
      BaseFixedWidthVector v = (BaseFixedWidthVector) root.getVector(0);
      for (long off = 0; off < n || off == 0; off += BATCH_VALUES) {
        int len = (int) Math.min(BATCH_VALUES, n - off);
        v.allocateNew(len);
        ArrowIpc.copyIn(v.getDataBuffer(), 0, data.slice((int) (off * width), len * width));
        v.getValidityBuffer().setOne(0, (len + 7) / 8);
        v.setValueCount(len);
        root.setRowCount(len);
        writer.writeBatch(root);
        if (n == 0) {
          break;
        }
      }
      writer.finish();
    }
  }

  @Override public ByteBuffer read(SeekableByteChannel in, BufferAllocator allocator,
      long rawBytes) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(rawBytes))
        .order(ByteOrder.LITTLE_ENDIAN);
    ArrowIpc.Reader reader = new ArrowIpc.Reader(in, allocator);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(reader.schema(), allocator)) {
      for (int i = 0; i < reader.batchCount(); i++) {
        reader.load(i, root, compression);
        FieldVector v = root.getVector(0);
        int bytes = v.getValueCount() * ((BaseFixedWidthVector) v).getTypeWidth();
        if (bytes > out.remaining()) {
          throw new IOException("object holds more values than its catalog entry says");
        }
        v.getDataBuffer().getBytes(0, out.slice(out.position(), bytes));
        out.position(out.position() + bytes);
      }
    }
    if (out.hasRemaining()) {
      throw new IOException("object holds " + out.position() + " bytes of values, expected "
          + rawBytes);
    }
    return out.flip();
  }
}
