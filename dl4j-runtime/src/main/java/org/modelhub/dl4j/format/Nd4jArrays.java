package org.modelhub.dl4j.format;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves values between Nd4j arrays and tensors, and reads Nd4j binary arrays.
 *
 * <p>A tensor holds its parameter's values in C order of the parameter's shape, whatever order
 * the DL4J view has inside the flat parameter vector (dense weights are 'f' views), so that the
 * values mean the same in every format and an export followed by an import is bit-exact.
 */
final class Nd4jArrays {
  /** What {@code Nd4j.write} puts first: the name of a DataBuffer allocation mode. */
  private static final Set<String> ALLOCATION_MODES =
      Set.of("JAVACPP", "HEAP", "DIRECT", "LONG_SHAPE", "MIXED_DATA_TYPES");

  private Nd4jArrays() {
  }

  /** Whether the file starts the way {@code Nd4j.write} starts an array. */
  static boolean looksLikeArray(Path file) throws IOException {
    byte[] head = new byte[2 + 16];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n < 2) {
      return false;
    }
    int len = ((head[0] & 0xff) << 8) | (head[1] & 0xff);
    return len >= 4 && len <= 16 && n >= 2 + len
        && ALLOCATION_MODES.contains(new String(head, 2, len, StandardCharsets.US_ASCII));
  }

  /**
   * Reads one array written by {@code Nd4j.write}.
   *
   * @throws Dl4jInputException at the byte offset where reading failed
   */
  static INDArray read(InputStream in) {
    CountingStream counting = new CountingStream(new BufferedInputStream(in, 1 << 16));
    try {
      return Nd4j.read(new DataInputStream(counting));
    } catch (RuntimeException e) {
      throw new Dl4jInputException("byte " + counting.count,
          "not a readable Nd4j array: " + Dl4jInputException.rootMessage(e), e);
    }
  }

  /** Reads an Nd4j array file that must hold a flat vector (shape [n], [1,n] or [n,1]). */
  static INDArray readVector(Path file) throws IOException {
    INDArray a;
    try (InputStream in = Files.newInputStream(file)) {
      a = read(in);
    } catch (Dl4jInputException e) {
      throw e.in(file, null);
    }
    long[] shape = a.shape();
    int big = 0;
    for (long d : shape) {
      if (d != 1) {
        big++;
      }
    }
    if (big > 1) {
      throw new Dl4jInputException(null, "an Nd4j parameter vector must be flat, but the array has"
          + " shape " + Tensor.shapeString(shape)).in(file, null);
    }
    return a;
  }

  /** The tensor dtype of an Nd4j data type, or null when tensors have none. */
  static DType dtype(DataType t) {
    switch (t) {
      case FLOAT: return DType.FLOAT32;
      case DOUBLE: return DType.FLOAT64;
      case HALF: return DType.FLOAT16;
      case BFLOAT16: return DType.BFLOAT16;
      case BYTE: return DType.INT8;
      case UBYTE: return DType.UINT8;
      case SHORT: return DType.INT16;
      case INT: return DType.INT32;
      case LONG: return DType.INT64;
      case BOOL: return DType.BOOL;
      default: return null;
    }
  }

  static DataType dataType(DType t) {
    switch (t) {
      case FLOAT32: return DataType.FLOAT;
      case FLOAT64: return DataType.DOUBLE;
      case FLOAT16: return DataType.HALF;
      case BFLOAT16: return DataType.BFLOAT16;
      case INT8: return DataType.BYTE;
      case UINT8: return DataType.UBYTE;
      case INT16: return DataType.SHORT;
      case INT32: return DataType.INT;
      case INT64: return DataType.LONG;
      case BOOL: return DataType.BOOL;
      default: throw new AssertionError(t);
    }
  }

  /** Copies a parameter view into a tensor, in C order of the view's shape. */
  static Tensor toTensor(String name, INDArray view) {
    DType dtype = dtype(view.dataType());
    if (dtype == null) {
      throw new Dl4jInputException(name, "parameters of type " + view.dataType()
          + " have no tensor dtype");
    }
    // dup('c') gives a fresh contiguous buffer whatever the view's order and offset
    INDArray c = view.dup('c');
    int bytes = Math.toIntExact(c.length() * dtype.size());
    ByteBuffer src = c.data().asNio().order(ByteOrder.nativeOrder());
    src.position(0).limit(bytes);
    ByteBuffer dst = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    copy(src, dst, dtype.size());
    dst.flip();
    return new Tensor(name, dtype, view.shape(), dst);
  }

  /** A new C-order array holding the tensor's values. */
  static INDArray toArray(Tensor t) {
    INDArray a = Nd4j.createUninitialized(dataType(t.dtype()), t.shape(), 'c');
    ByteBuffer dst = a.data().asNio().order(ByteOrder.nativeOrder());
    dst.clear();
    copy(t.data(), dst, t.dtype().size());
    return a;
  }

  /** Bulk copy between buffers of possibly different byte orders, value by value. */
  private static void copy(ByteBuffer src, ByteBuffer dst, int size) {
    if (size == 1 || src.order() == dst.order()) {
      dst.put(src);
      return;
    }
    int start = dst.position();
    int n = src.remaining();
    switch (size) {
      case 2:
        dst.asShortBuffer().put(src.asShortBuffer());
        break;
      case 4:
        dst.asIntBuffer().put(src.asIntBuffer());
        break;
      case 8:
        dst.asLongBuffer().put(src.asLongBuffer());
        break;
      default:
        throw new AssertionError(size);
    }
    dst.position(start + n);
  }

  /** Counts the bytes taken from the stream, to say where a read failed. */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override public long skip(long n) throws IOException {
      long k = super.skip(n);
      count += k;
      return k;
    }
  }
}
