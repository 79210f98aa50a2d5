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
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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

  /** Nd4j's data types by their current names (HALF is FLOAT16, INT is INT32...). */
  private static final Map<DataType, DType> DTYPES = new EnumMap<>(Map.of(
      DataType.FLOAT, DType.FLOAT32, DataType.DOUBLE, DType.FLOAT64,
      DataType.FLOAT16, DType.FLOAT16, DataType.BFLOAT16, DType.BFLOAT16,
      DataType.INT8, DType.INT8, DataType.UINT8, DType.UINT8, DataType.INT16, DType.INT16,
      DataType.INT32, DType.INT32, DataType.INT64, DType.INT64, DataType.BOOL, DType.BOOL));

  /** Bytes per value as Nd4j writes each type; types a parameter vector may hold. */
  private static final Map<String, Integer> PARAM_TYPES =
      Map.of("FLOAT", 4, "DOUBLE", 8, "HALF", 2, "BFLOAT16", 2);
  /** Types of the shape buffer. */
  private static final Map<String, Integer> SHAPE_TYPES = Map.of("INT", 4, "LONG", 8);
  /** Modes before LONG_SHAPE write the length as an int. */
  private static final Set<String> INT_LENGTH_MODES = Set.of("DIRECT", "HEAP", "JAVACPP");
  private static final int MAX_RANK = 32;
  /** More than both headers and the largest shape buffer take. */
  private static final int HEADER_LIMIT = 4096;

  /** A buffer header: number of values, type name, bytes per value. */
  private record Header(long length, String type, int size) { }

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
   * Reads a parameter vector written by {@code Nd4j.write} from a stream of {@code size} bytes.
   * Its headers are checked first: Nd4j trusts them, and a damaged length makes it allocate
   * without bound or write past its buffer.
   *
   * @throws Dl4jInputException at the byte offset where the data is wrong
   */
  static INDArray read(InputStream in, long size) {
    // counts what is taken from the input: exact where the data ends early
    CountingStream raw = new CountingStream(in);
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
    buffered.mark(HEADER_LIMIT);
    // the headers get a counter of their own, exact to the byte
    CountingStream head = new CountingStream(buffered);
    checkHeaders(new DataInputStream(head), head, size);
    try {
      buffered.reset();
      // no counter between Nd4j and the buffer: Nd4j reads value by value
      return Nd4j.read(new DataInputStream(buffered));
    } catch (IOException | RuntimeException e) {
      String what = Dl4jInputException.rootMessage(e);
      boolean early = what.equals(Dl4jInputException.ENDS_EARLY);
      throw new Dl4jInputException((early ? "byte " : "near byte ") + raw.count,
          "not a readable Nd4j array: " + what, e);
    }
  }

  private static void checkHeaders(DataInputStream d, CountingStream c, long size) {
    try {
      Header shape = header(d, c, SHAPE_TYPES, "shape");
      long at = c.count;
      if (shape.length() < 4 || shape.length() > 2 * MAX_RANK + 4) {
        throw new Dl4jInputException("byte " + at, "not an Nd4j array: a shape buffer of "
            + shape.length() + " values");
      }
      long[] info = new long[(int) shape.length()];
      for (int i = 0; i < info.length; i++) {
        info[i] = shape.size() == 4 ? d.readInt() : d.readLong();
      }
      long rank = info[0];
      if (rank < 0 || 2 * rank + 4 != info.length) {
        throw new Dl4jInputException("byte " + at, "not an Nd4j array: rank " + rank
            + " in a shape buffer of " + info.length + " values");
      }
      long[] dims = Arrays.copyOfRange(info, 1, 1 + (int) rank);
      long n = 1;
      for (long dim : dims) {
        if (dim < 0) {
          throw new Dl4jInputException("byte " + at, "not an Nd4j array: negative dimension in"
              + " shape " + Tensor.shapeString(dims));
        }
        n = Math.multiplyExact(n, dim);
      }
      Header values = header(d, c, PARAM_TYPES, "parameter");
      if (values.length() != n) {
        throw new Dl4jInputException("byte " + c.count, "the shape "
            + Tensor.shapeString(dims) + " has " + n + " values but the data buffer announces "
            + values.length());
      }
      long left = size - c.count;
      if (values.length() > left / values.size()) {
        throw new Dl4jInputException("byte " + c.count, String.format(Locale.ROOT,
            "the array announces %d %s values (%d bytes) but only %d bytes follow (truncated)",
            values.length(), values.type(), values.length() * values.size(), left));
      }
    } catch (ArithmeticException e) {
      throw new Dl4jInputException("byte " + c.count, "not an Nd4j array: its shape overflows");
    } catch (IOException e) {
      throw new Dl4jInputException("byte " + c.count,
          "not a readable Nd4j array: " + Dl4jInputException.rootMessage(e), e);
    }
  }

  private static Header header(DataInputStream d, CountingStream c, Map<String, Integer> types,
      String what) throws IOException {
    long at = c.count;
    String mode = d.readUTF();
    if (!ALLOCATION_MODES.contains(mode)) {
      throw new Dl4jInputException("byte " + at, "not an Nd4j array: unknown allocation mode '"
          + mode + "'");
    }
    long length = INT_LENGTH_MODES.contains(mode) ? d.readInt() : d.readLong();
    long typeAt = c.count;
    String type = d.readUTF();
    if (length < 0) {
      throw new Dl4jInputException("byte " + at, "not an Nd4j array: negative length " + length);
    }
    Integer size = types.get(type);
    if (size == null) {
      throw new Dl4jInputException("byte " + typeAt, "the " + what + " buffer holds " + type
          + " values; expected " + String.join(" or ", new TreeSet<>(types.keySet())));
    }
    return new Header(length, type, size);
  }

  /** Reads an Nd4j array file that must hold a flat vector (shape [n], [1,n] or [n,1]). */
  static INDArray readVector(Path file) throws IOException {
    INDArray a;
    try (InputStream in = Files.newInputStream(file)) {
      a = read(in, Files.size(file));
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
    return DTYPES.get(t);
  }

  static DataType dataType(DType t) {
    for (Map.Entry<DataType, DType> e : DTYPES.entrySet()) {
      if (e.getValue() == t) {
        return e.getKey();
      }
    }
    throw new AssertionError(t);
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
