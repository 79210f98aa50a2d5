package org.modelhub.store.object;

import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.modelhub.store.model.DType;

/** The Arrow column type that holds each dtype's raw values (bfloat16 and bool as unsigned). */
final class ArrowTypes {
  private ArrowTypes() {
  }

  static ArrowType of(DType dtype) {
    switch (dtype) {
      case FLOAT32: return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case FLOAT64: return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case FLOAT16: return new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
      case BFLOAT16: return new ArrowType.Int(16, false);
      case INT8: return new ArrowType.Int(8, true);
      case UINT8: case BOOL: return new ArrowType.Int(8, false);
      case INT16: return new ArrowType.Int(16, true);
      case INT32: return new ArrowType.Int(32, true);
      case INT64: return new ArrowType.Int(64, true);
      default: throw new AssertionError(dtype);
    }
  }
}
