package org.modelhub.store.format.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.modelhub.store.format.FormatException;
import org.modelhub.store.format.onnx.proto.OnnxProto.StringStringEntryProto;
import org.modelhub.store.format.onnx.proto.OnnxProto.TensorProto;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Tensor;

/**
 * Conversions between ONNX {@code TensorProto} values and ModelHub tensors, in both directions
 * and bit-exact: the field a file used (raw_data or a typed field) is kept with the message.
 */
final class OnnxTensors {
  static final String RAW_DATA = "raw_data";

  private OnnxTensors() {
  }

  /** The ModelHub dtype of an ONNX data type code, or null when ModelHub has none. */
  static DType dtypeOf(int dataType) {
    switch (dataType) {
      case 1: return DType.FLOAT32;
      case 2: return DType.UINT8;
      case 3: return DType.INT8;
      case 5: return DType.INT16;
      case 6: return DType.INT32;
      case 7: return DType.INT64;
      case 9: return DType.BOOL;
      case 10: return DType.FLOAT16;
      case 11: return DType.FLOAT64;
      case 16: return DType.BFLOAT16;
      default: return null;
    }
  }

  /** The ONNX data type code of a ModelHub dtype. */
  static int dataTypeOf(DType dtype) {
    switch (dtype) {
      case FLOAT32: return 1;
      case UINT8: return 2;
      case INT8: return 3;
      case INT16: return 5;
      case INT32: return 6;
      case INT64: return 7;
      case BOOL: return 9;
      case FLOAT16: return 10;
      case FLOAT64: return 11;
      case BFLOAT16: return 16;
      default: throw new AssertionError(dtype);
    }
  }

  /** The typed field ONNX stores values of this dtype in when raw_data is not used. */
  static String typedField(DType dtype) {
    switch (dtype) {
      case FLOAT32: return "float_data";
      case FLOAT64: return "double_data";
      case INT64: return "int64_data";
      default: return "int32_data";
    }
  }

  /** The field {@code t} keeps its values in, as {@link #fill} will write it again. */
  static String fieldOf(TensorProto t) {
    DType dtype = dtypeOf(t.getDataType());
    return t.hasRawData() || dtype == null ? RAW_DATA : typedField(dtype);
  }

  static long[] shapeOf(TensorProto t) {
    long[] shape = new long[t.getDimsCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.getDims(i);
    }
    return shape;
  }

  /**
   * The values of {@code t} as little-endian bytes, or null when they cannot become a ModelHub
   * tensor that rebuilds the same message (a type ModelHub lacks, strings, segments, values
   * spread over several fields or out of range): such tensors stay whole in the network.
   *
   * @throws FormatException when the message is inconsistent (too few values for its dims, a
   *     negative dimension, external data that cannot be read)
   */
  static ByteBuffer values(TensorProto t, Path file, String where) throws IOException {
    DType dtype = dtypeOf(t.getDataType());
    if (!t.hasDataType() || dtype == null || t.hasSegment()
        || t.getStringDataCount() > 0 || t.getUint64DataCount() > 0) {
      return null;
    }
    long n = checkedCount(t, file, where);
    long bytes = n * dtype.size();
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new FormatException(file, where, "tensor of " + bytes + " bytes is too large");
    }
    int typedFields = (t.getFloatDataCount() > 0 ? 1 : 0) + (t.getInt32DataCount() > 0 ? 1 : 0)
        + (t.getInt64DataCount() > 0 ? 1 : 0) + (t.getDoubleDataCount() > 0 ? 1 : 0);
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      return typedFields > 0 || t.hasRawData() ? null : readExternal(t, (int) bytes, file, where);
    }
    if (t.hasRawData()) {
      if (typedFields > 0) {
        return null;
      }
      if (t.getRawData().size() != bytes) {
        throw new FormatException(file, where, "raw_data has " + t.getRawData().size()
            + " bytes but dims " + Tensor.shapeString(shapeOf(t)) + " of "
            + dtype.label() + " need " + bytes);
      }
      return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    String field = typedField(dtype);
    int count = typedCount(t, field);
    if (typedFields > 1 || (typedFields == 1 && count == 0)) {
      return null;
    }
    if (count != n) {
      throw new FormatException(file, where, "has " + count + " values in " + field
          + " but dims " + Tensor.shapeString(shapeOf(t)) + " need " + n);
    }
    return typed(t, dtype, count);
  }

  private static long checkedCount(TensorProto t, Path file, String where) {
    long n = 1;
    for (int i = 0; i < t.getDimsCount(); i++) {
      long d = t.getDims(i);
      if (d < 0) {
        throw new FormatException(file, where, "negative dimension " + d + " in dims "
            + Tensor.shapeString(shapeOf(t)));
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new FormatException(file, where, "dims " + Tensor.shapeString(shapeOf(t))
            + " overflow");
      }
    }
    return n;
  }

  private static int typedCount(TensorProto t, String field) {
    switch (field) {
      case "float_data": return t.getFloatDataCount();
      case "double_data": return t.getDoubleDataCount();
      case "int64_data": return t.getInt64DataCount();
      default: return t.getInt32DataCount();
    }
  }

  /** Packs a typed field without boxing; null when a value does not fit the dtype. */
  private static ByteBuffer typed(TensorProto t, DType dtype, int n) {
    ByteBuffer buf = ByteBuffer.allocate(n * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case FLOAT32:
        for (int i = 0; i < n; i++) {
          buf.putFloat(t.getFloatData(i));
        }
        break;
      case FLOAT64:
        for (int i = 0; i < n; i++) {
          buf.putDouble(t.getDoubleData(i));
        }
        break;
      case INT64:
        for (int i = 0; i < n; i++) {
          buf.putLong(t.getInt64Data(i));
        }
        break;
      case INT32:
        for (int i = 0; i < n; i++) {
          buf.putInt(t.getInt32Data(i));
        }
        break;
      default:
        if (!packSmall(t, dtype, n, buf)) {
          return null;
        }
    }
    buf.flip();
    return buf;
  }

  private static boolean packSmall(TensorProto t, DType dtype, int n, ByteBuffer buf) {
    // int32_data widens small types; a value outside the type's range would not survive.
    int min;
    int max;
    switch (dtype) {
      case INT8: min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; break;
      case UINT8: case BOOL: min = 0; max = 0xff; break;
      case INT16: min = Short.MIN_VALUE; max = Short.MAX_VALUE; break;
      default: min = 0; max = 0xffff; break;
    }
    for (int i = 0; i < n; i++) {
      int v = t.getInt32Data(i);
      if (v < min || v > max) {
        return false;
      }
      if (dtype.size() == 1) {
        buf.put((byte) v);
      } else {
        buf.putShort((short) v);
      }
    }
    return true;
  }

  private static ByteBuffer readExternal(TensorProto t, int bytes, Path file, String where)
      throws IOException {
    String location = entry(t, "location");
    if (location == null || location.isEmpty()) {
      throw new FormatException(file, where, "external data without a location");
    }
    Path base = file.toAbsolutePath().getParent();
    Path data = resolveLocation(base, location);
    if (data == null) {
      throw new FormatException(file, where, "external data location '" + location
          + "' is not a relative path inside the model's folder");
    }
    if (!Files.isRegularFile(data)) {
      throw new FormatException(file, where, "external data file '" + location
          + "' is missing (looked for " + data + ")");
    }
    long offset = longEntry(t, "offset", 0, file, where);
    long length = longEntry(t, "length", bytes, file, where);
    if (length != bytes) {
      throw new FormatException(file, where, "external data length " + length
          + " but dims " + Tensor.shapeString(shapeOf(t)) + " need " + bytes + " bytes");
    }
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
      if (offset < 0 || offset + bytes > ch.size()) {
        throw new FormatException(file, where, "external data '" + location + "' has "
            + ch.size() + " bytes, cannot read " + bytes + " at offset " + offset);
      }
      ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new FormatException(file, where, "external data '" + location
              + "' ended early");
        }
      }
      buf.flip();
      return buf;
    }
  }

  /** The file a relative external-data location names inside {@code base}, or null. */
  static Path resolveLocation(Path base, String location) {
    Path rel;
    try {
      rel = Path.of(location);
    } catch (RuntimeException e) {
      return null;
    }
    if (rel.isAbsolute()) {
      return null;
    }
    Path p = base.resolve(rel).normalize();
    return p.startsWith(base.normalize()) && !p.equals(base.normalize()) ? p : null;
  }

  static String entry(TensorProto.Builder t, String key) {
    for (StringStringEntryProto e : t.getExternalDataList()) {
      if (e.getKey().equals(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String entry(TensorProto t, String key) {
    for (StringStringEntryProto e : t.getExternalDataList()) {
      if (e.getKey().equals(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static long longEntry(TensorProto t, String key, long dflt, Path file, String where) {
    String v = entry(t, key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new FormatException(file, where, "external data " + key + " '" + v
          + "' is not an integer");
    }
  }

  /**
   * The message without its values: what the network keeps of an extracted initializer. An
   * empty raw_data stays as a marker that the file used raw_data.
   */
  static TensorProto stub(TensorProto t) {
    TensorProto.Builder b = clearValues(t.toBuilder());
    if (t.hasRawData()) {
      b.setRawData(ByteString.EMPTY);
    }
    return b.build();
  }

  static TensorProto.Builder clearValues(TensorProto.Builder b) {
    return b.clearFloatData().clearInt32Data().clearInt64Data().clearDoubleData()
        .clearRawData();
  }

  /**
   * Puts the values of {@code tensor} into a stub made by {@link #stub}: dims and data type
   * from the tensor, values in the field the stub marks, or in the external file it names.
   */
  static void fill(TensorProto.Builder b, Tensor tensor, OnnxExternalData external) {
    b.clearDims();
    for (long d : tensor.shape()) {
      b.addDims(d);
    }
    b.setDataType(dataTypeOf(tensor.dtype()));
    boolean raw = b.hasRawData();
    clearValues(b);
    if (b.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      external.place(b, tensor);
    } else if (raw) {
      b.setRawData(UnsafeByteOperations.unsafeWrap(tensor.data()));
    } else {
      putTyped(b, tensor);
    }
  }

  /** A new initializer holding {@code tensor} in raw_data. */
  static TensorProto newInitializer(String name, Tensor tensor) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setRawData(ByteString.EMPTY);
    fill(b, tensor, null);
    return b.build();
  }

  private static void putTyped(TensorProto.Builder b, Tensor tensor) {
    ByteBuffer buf = tensor.data();
    int n = Math.toIntExact(tensor.numValues());
    switch (tensor.dtype()) {
      case FLOAT32:
        for (int i = 0; i < n; i++) {
          b.addFloatData(buf.getFloat(i * 4));
        }
        break;
      case FLOAT64:
        for (int i = 0; i < n; i++) {
          b.addDoubleData(buf.getDouble(i * 8));
        }
        break;
      case INT64:
        for (int i = 0; i < n; i++) {
          b.addInt64Data(buf.getLong(i * 8));
        }
        break;
      case INT32:
        for (int i = 0; i < n; i++) {
          b.addInt32Data(buf.getInt(i * 4));
        }
        break;
      case INT8:
        for (int i = 0; i < n; i++) {
          b.addInt32Data(buf.get(i));
        }
        break;
      case UINT8: case BOOL:
        for (int i = 0; i < n; i++) {
          b.addInt32Data(buf.get(i) & 0xff);
        }
        break;
      case INT16:
        for (int i = 0; i < n; i++) {
          b.addInt32Data(buf.getShort(i * 2));
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          b.addInt32Data(buf.getShort(i * 2) & 0xffff);
        }
    }
  }
}
