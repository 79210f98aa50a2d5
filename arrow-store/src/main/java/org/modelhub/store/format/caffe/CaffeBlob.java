package org.modelhub.store.format.caffe;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Internal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.modelhub.store.format.caffe.proto.CaffeProto.BlobProto;
import org.modelhub.store.model.DType;
import org.modelhub.store.model.Float16;
import org.modelhub.store.model.Tensor;

/**
 * One blob of a Caffe layer: its shape, float32 or float64 values (little-endian) and, for
 * blobs written in the pre-BlobShape form, the num/channels/height/width header to write back.
 */
record CaffeBlob(long[] shape, DType dtype, ByteBuffer data, BlobProto legacyHeader) {

  CaffeBlob {
    requireNonNull(shape, "shape");
    requireNonNull(dtype, "dtype");
    requireNonNull(data, "data");
  }

  boolean legacy() {
    return legacyHeader != null;
  }

  Tensor toTensor(String name) {
    return new Tensor(name, dtype, shape, data);
  }

  /** A tensor's values as a blob of the given shape (same number of values). */
  static CaffeBlob of(Tensor t, long[] shape, BlobProto legacyHeader) {
    return new CaffeBlob(shape, blobType(t), values(t), legacyHeader);
  }

  /** The dtype a tensor is stored with in a blob: float64 as is, other floats as float32. */
  static DType blobType(Tensor t) {
    return t.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
  }

  /**
   * A tensor's values in its {@link #blobType}; half-precision values widen exactly.
   *
   * @throws IllegalArgumentException for integer tensors, which Caffe cannot hold
   */
  static ByteBuffer values(Tensor t) {
    switch (t.dtype()) {
      case FLOAT32:
      case FLOAT64:
        return t.data();
      case FLOAT16:
      case BFLOAT16: {
        int n = Math.toIntExact(t.numValues());
        ByteBuffer src = t.data();
        ByteBuffer dst = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          short bits = src.getShort(i * 2);
          dst.putFloat(i * 4, t.dtype() == DType.FLOAT16 ? Float16.toFloat(bits)
              : Float.intBitsToFloat((bits & 0xffff) << 16));
        }
        return dst;
      }
      default:
        throw new IllegalArgumentException("tensor '" + t.name() + "' is "
            + t.dtype().label() + "; Caffe blobs hold float32 or float64 only");
    }
  }

  /**
   * Converts a parsed blob, checking that its shape and value count agree.
   *
   * @throws IllegalArgumentException saying what disagrees
   */
  static CaffeBlob of(BlobProto p) {
    // Caffe itself reads the 4-D fields whenever any of them is present.
    boolean legacy = p.hasNum() || p.hasChannels() || p.hasHeight() || p.hasWidth();
    long[] shape;
    if (legacy) {
      shape = new long[] {p.getNum(), p.getChannels(), p.getHeight(), p.getWidth()};
    } else {
      List<Long> dims = p.getShape().getDimList();
      shape = new long[dims.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = dims.get(i);
      }
    }
    long expected = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape "
            + Tensor.shapeString(shape));
      }
      try {
        expected = Math.multiplyExact(expected, d);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("shape " + Tensor.shapeString(shape)
            + " is too large", e);
      }
    }
    int floats = p.getDataCount();
    int doubles = p.getDoubleDataCount();
    if (floats > 0 && doubles > 0) {
      throw new IllegalArgumentException("holds both data (" + floats + " values) and"
          + " double_data (" + doubles + " values)");
    }
    DType dtype = doubles > 0 ? DType.FLOAT64 : DType.FLOAT32;
    int count = doubles > 0 ? doubles : floats;
    if (count != expected) {
      throw new IllegalArgumentException("shape " + Tensor.shapeString(shape) + " needs "
          + expected + " values but the blob holds " + count);
    }
    ByteBuffer buf = ByteBuffer.allocate(count * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
    if (dtype == DType.FLOAT64) {
      List<Double> values = p.getDoubleDataList();
      if (values instanceof Internal.DoubleList) {
        Internal.DoubleList list = (Internal.DoubleList) values;
        for (int i = 0; i < count; i++) {
          buf.putDouble(i << 3, list.getDouble(i));
        }
      } else {
        for (int i = 0; i < count; i++) {
          buf.putDouble(i << 3, values.get(i));
        }
      }
    } else {
      List<Float> values = p.getDataList();
      if (values instanceof Internal.FloatList) {
        Internal.FloatList list = (Internal.FloatList) values;
        for (int i = 0; i < count; i++) {
          buf.putFloat(i << 2, list.getFloat(i));
        }
      } else {
        for (int i = 0; i < count; i++) {
          buf.putFloat(i << 2, values.get(i));
        }
      }
    }
    BlobProto header = legacy ? BlobProto.newBuilder().setNum(p.getNum())
        .setChannels(p.getChannels()).setHeight(p.getHeight()).setWidth(p.getWidth()).build()
        : null;
    return new CaffeBlob(shape, dtype, buf, header);
  }
}
