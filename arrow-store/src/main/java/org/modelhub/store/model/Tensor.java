package org.modelhub.store.model;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * A named weight tensor ({@code conv1/W}): shape, dtype and raw little-endian values.
 *
 * <p>The logical hash ({@link #sha256()}) is the sha256 of the raw values; dedup, diff and the
 * verification of every read use it, whatever encoding stores the tensor.
 */
public final class Tensor {
  private final String name;
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;
  private volatile String sha256;

  public Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {
    this(name, dtype, shape, data, null);
  }

  /** Creates a tensor whose logical hash is already known (read back from the store). */
  public Tensor(String name, DType dtype, long[] shape, ByteBuffer data, String sha256) {
    this.name = requireNonNull(name, "name");
    this.dtype = requireNonNull(dtype, "dtype");
    this.shape = shape.clone();
    this.data = requireNonNull(data, "data").slice().order(ByteOrder.LITTLE_ENDIAN);
    long expected = numValues(shape) * dtype.size();
    if (this.data.remaining() != expected) {
      throw new IllegalArgumentException("tensor '" + name + "' of shape " + shapeString(shape)
          + " and dtype " + dtype.label() + " needs " + expected + " bytes, got "
          + this.data.remaining());
    }
    this.sha256 = sha256;
  }

  /** Makes a float32 tensor from values. */
  public static Tensor ofFloats(String name, long[] shape, float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return new Tensor(name, DType.FLOAT32, shape, buf);
  }

  public String name() {
    return name;
  }

  /** The layer part of the name: {@code conv1} for {@code conv1/W}. */
  public String layer() {
    return layerOf(name);
  }

  /** The parameter part of the name: {@code W} for {@code conv1/W}. */
  public String param() {
    int i = name.lastIndexOf('/');
    return i < 0 ? name : name.substring(i + 1);
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long numValues() {
    return numValues(shape);
  }

  public long numBytes() {
    return data.remaining();
  }

  /** A read-only little-endian view of the raw values. */
  public ByteBuffer data() {
    return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Value {@code i} as a double, for any dtype. */
  public double valueAt(long i) {
    int p = Math.toIntExact(i * dtype.size());
    switch (dtype) {
      case FLOAT32: return data.getFloat(p);
      case FLOAT64: return data.getDouble(p);
      case FLOAT16: return Float16.toFloat(data.getShort(p));
      case BFLOAT16: return Float.intBitsToFloat((data.getShort(p) & 0xffff) << 16);
      case INT8: return data.get(p);
      case UINT8: case BOOL: return data.get(p) & 0xff;
      case INT16: return data.getShort(p);
      case INT32: return data.getInt(p);
      case INT64: return data.getLong(p);
      default: throw new AssertionError(dtype);
    }
  }

  /** Values converted to float; for float32 this is an exact copy. */
  public float[] toFloats() {
    float[] out = new float[Math.toIntExact(numValues())];
    if (dtype == DType.FLOAT32) {
      data().asFloatBuffer().get(out);
    } else {
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) valueAt(i);
      }
    }
    return out;
  }

  /** Hex sha256 of the raw little-endian values (computed once). */
  public String sha256() {
    String s = sha256;
    if (s == null) {
      s = Hashing.sha256Hex(data());
      sha256 = s;
    }
    return s;
  }

  /** Same values, dtype and shape under another name. */
  public Tensor rename(String newName) {
    return new Tensor(newName, dtype, shape, data, sha256);
  }

  public static long numValues(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Formats a shape as {@code [96,3,11,11]}. */
  public static String shapeString(long[] shape) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (long d : shape) {
      j.add(Long.toString(d));
    }
    return j.toString();
  }

  /** Parses {@link #shapeString}'s output. */
  public static long[] parseShape(String text) {
    String s = text.trim();
    if (!s.startsWith("[") || !s.endsWith("]")) {
      throw new IllegalArgumentException("bad shape '" + text + "'");
    }
    s = s.substring(1, s.length() - 1).trim();
    if (s.isEmpty()) {
      return new long[0];
    }
    return Arrays.stream(s.split(",")).mapToLong(x -> Long.parseLong(x.trim())).toArray();
  }

  public static String layerOf(String tensorName) {
    int i = tensorName.lastIndexOf('/');
    return i < 0 ? tensorName : tensorName.substring(0, i);
  }

  @Override public String toString() {
    return String.format(Locale.ROOT, "%s %s %s", name, dtype.label(), shapeString(shape));
  }
}
