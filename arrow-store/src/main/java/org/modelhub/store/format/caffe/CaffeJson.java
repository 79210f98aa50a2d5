package org.modelhub.store.format.caffe;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Converts protobuf messages to attribute maps (JSON values) and back through their
 * descriptors, so that any Caffe parameter message round-trips without code of its own.
 *
 * <p>Only fields present in the message are written, so defaults stay implicit and a
 * re-export prints the same prototxt. Numbers take the Java types Jackson reads back
 * (Integer when the value fits, else Long or BigInteger; Double for floating point), so a
 * network is equal to itself after a trip through the catalog's JSON.
 */
final class CaffeJson {
  private CaffeJson() {
  }

  /** The fields set in {@code message}, by proto field name, in field-number order. */
  static Map<String, Object> toMap(MessageOrBuilder message) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.isRepeated()) {
        List<?> values = (List<?>) e.getValue();
        List<Object> list = new ArrayList<>(values.size());
        for (Object v : values) {
          list.add(toJson(f, v));
        }
        out.put(f.getName(), list);
      } else {
        out.put(f.getName(), toJson(f, e.getValue()));
      }
    }
    return out;
  }

  /**
   * Sets the fields of {@code map} on {@code builder}.
   *
   * @throws IllegalArgumentException naming the field path and what is wrong with it
   */
  static void merge(Map<?, ?> map, Message.Builder builder, String path) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      String where = path.isEmpty() ? key : path + "." + key;
      FieldDescriptor f = builder.getDescriptorForType().findFieldByName(key);
      if (f == null) {
        throw new IllegalArgumentException(where + ": no such field in "
            + builder.getDescriptorForType().getName());
      }
      Object value = e.getValue();
      if (f.isRepeated()) {
        if (!(value instanceof List)) {
          throw new IllegalArgumentException(where + ": expected a list, got " + describe(value));
        }
        int i = 0;
        for (Object v : (List<?>) value) {
          builder.addRepeatedField(f, fromJson(f, v, builder, where + "[" + i++ + "]"));
        }
      } else {
        builder.setField(f, fromJson(f, value, builder, where));
      }
    }
  }

  /** A float as the shortest decimal that reads back to the same float. */
  static Object floatValue(float f) {
    if (Float.isFinite(f)) {
      return Double.parseDouble(Float.toString(f));
    }
    return nonFinite(f);
  }

  /** Integers the way Jackson reads them: Integer when the value fits. */
  static Number integer(long v) {
    return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Number) (int) v : (Number) v;
  }

  private static Object toJson(FieldDescriptor f, Object v) {
    switch (f.getJavaType()) {
      case INT:
        return isUnsigned(f) ? integer(Integer.toUnsignedLong((Integer) v)) : v;
      case LONG: {
        long l = (Long) v;
        if (isUnsigned(f) && l < 0) {
          return new BigInteger(Long.toUnsignedString(l));
        }
        return integer(l);
      }
      case FLOAT:
        return floatValue((Float) v);
      case DOUBLE: {
        double d = (Double) v;
        return Double.isFinite(d) ? (Object) d : nonFinite(d);
      }
      case BOOLEAN:
      case STRING:
        return v;
      case BYTE_STRING:
        return Base64.getEncoder().encodeToString(((ByteString) v).toByteArray());
      case ENUM:
        return ((EnumValueDescriptor) v).getName();
      case MESSAGE:
        return toMap((Message) v);
      default:
        throw new AssertionError(f.getJavaType());
    }
  }

  private static Object fromJson(FieldDescriptor f, Object v, Message.Builder parent,
      String where) {
    switch (f.getJavaType()) {
      case INT: {
        long l = integral(v, where);
        boolean ok = isUnsigned(f) ? l >= 0 && l <= 0xffffffffL
            : l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
        if (!ok) {
          throw new IllegalArgumentException(where + ": " + l + " is out of range for "
              + f.getType().name().toLowerCase(Locale.ROOT));
        }
        return (int) l;
      }
      case LONG:
        if (isUnsigned(f) && v instanceof BigInteger) {
          BigInteger b = (BigInteger) v;
          if (b.signum() < 0 || b.bitLength() > 64) {
            throw new IllegalArgumentException(where + ": " + b + " is out of range for uint64");
          }
          return b.longValue();
        }
        return integral(v, where);
      case FLOAT:
        return toFloat(v, where);
      case DOUBLE:
        return toDouble(v, where);
      case BOOLEAN:
        if (v instanceof Boolean) {
          return v;
        }
        throw new IllegalArgumentException(where + ": expected true or false, got "
            + describe(v));
      case STRING:
        if (v instanceof String) {
          return v;
        }
        throw new IllegalArgumentException(where + ": expected a string, got " + describe(v));
      case BYTE_STRING:
        if (v instanceof String) {
          try {
            return ByteString.copyFrom(Base64.getDecoder().decode((String) v));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": not base64: " + e.getMessage(), e);
          }
        }
        throw new IllegalArgumentException(where + ": expected a base64 string, got "
            + describe(v));
      case ENUM: {
        EnumValueDescriptor value = null;
        if (v instanceof String) {
          value = f.getEnumType().findValueByName((String) v);
        } else if (v instanceof Integer) {
          value = f.getEnumType().findValueByNumber((Integer) v);
        }
        if (value == null) {
          List<String> names = new ArrayList<>();
          f.getEnumType().getValues().forEach(x -> names.add(x.getName()));
          throw new IllegalArgumentException(where + ": " + describe(v) + " is not one of "
              + names);
        }
        return value;
      }
      case MESSAGE:
        if (v instanceof Map) {
          Message.Builder sub = parent.newBuilderForField(f);
          merge((Map<?, ?>) v, sub, where);
          return sub.buildPartial();
        }
        throw new IllegalArgumentException(where + ": expected an object, got " + describe(v));
      default:
        throw new AssertionError(f.getJavaType());
    }
  }

  /** Reads a JSON number back to the float it was printed from (see {@link #floatValue}). */
  static float toFloat(Object v, String where) {
    if (v instanceof Double || v instanceof Float) {
      // Double.toString gives the short decimal the float was printed as; parsing that
      // decimal as a float (not narrowing the double) avoids double rounding.
      return Float.parseFloat(Double.toString(((Number) v).doubleValue()));
    }
    if (v instanceof BigDecimal) {
      return Float.parseFloat(v.toString());
    }
    if (v instanceof Number) {
      return ((Number) v).floatValue();
    }
    if (v instanceof String) {
      return (float) special((String) v, where);
    }
    throw new IllegalArgumentException(where + ": expected a number, got " + describe(v));
  }

  private static double toDouble(Object v, String where) {
    if (v instanceof Number) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof String) {
      return special((String) v, where);
    }
    throw new IllegalArgumentException(where + ": expected a number, got " + describe(v));
  }

  private static long integral(Object v, String where) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger && ((BigInteger) v).bitLength() < 64) {
      return ((BigInteger) v).longValue();
    }
    if (v instanceof Number) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
        return (long) d;
      }
    }
    throw new IllegalArgumentException(where + ": expected an integer, got " + describe(v));
  }

  private static double special(String s, String where) {
    switch (s) {
      case "NaN":
        return Double.NaN;
      case "Infinity":
        return Double.POSITIVE_INFINITY;
      case "-Infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        throw new IllegalArgumentException(where + ": expected a number, got \"" + s + "\"");
    }
  }

  private static String nonFinite(double d) {
    return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  }

  private static boolean isUnsigned(FieldDescriptor f) {
    switch (f.getType()) {
      case UINT32:
      case FIXED32:
      case UINT64:
      case FIXED64:
        return true;
      default:
        return false;
    }
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "\"" + v + "\"";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof List) {
      return "a list";
    }
    return v.toString();
  }
}
