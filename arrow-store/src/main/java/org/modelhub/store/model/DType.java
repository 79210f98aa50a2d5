package org.modelhub.store.model;

import java.util.Locale;

/** Element type of a weight tensor; values are always kept little-endian. */
public enum DType {
  FLOAT32(4), FLOAT64(8), FLOAT16(2), BFLOAT16(2),
  INT8(1), UINT8(1), INT16(2), INT32(4), INT64(8), BOOL(1);

  private final int size;

  DType(int size) {
    this.size = size;
  }

  /** Bytes per value. */
  public int size() {
    return size;
  }

  /** Lower-case name as shown to users and written in files ({@code float32}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a dtype name as the formats spell it: {@code float32}, {@code F32}, {@code float}... */
  public static DType parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case "float32": case "f32": case "float": return FLOAT32;
      case "float64": case "f64": case "double": return FLOAT64;
      case "float16": case "f16": case "half": return FLOAT16;
      case "bfloat16": case "bf16": return BFLOAT16;
      case "int8": case "i8": return INT8;
      case "uint8": case "u8": return UINT8;
      case "int16": case "i16": return INT16;
      case "int32": case "i32": case "int": return INT32;
      case "int64": case "i64": case "long": return INT64;
      case "bool": case "boolean": return BOOL;
      default:
        throw new IllegalArgumentException("unknown dtype '" + text + "'");
    }
  }

  /** Whether values are floating point (diff and statistics read them as numbers). */
  public boolean isFloating() {
    return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
  }
}
