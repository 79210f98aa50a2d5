package org.modelhub.store.object;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * How a delta object relates a tensor to its base, value by value on the raw bits:
 * {@code xor} (bitwise; the top planes of a value are the top planes of base and delta, so
 * progressive reads stay cheap) or {@code sub} (two's-complement difference of the bit
 * patterns, which keeps small changes small across exponent boundaries).
 */
public enum DeltaOp {
  XOR, SUB;

  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DeltaOp parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown delta operation '" + s + "' (known: xor, sub)");
    }
  }

  /** {@code out[i] = value[i] (op) base[i]} over {@code len} bytes of values of width w. */
  void encode(byte[] value, byte[] base, byte[] out, int len, int width) {
    apply(value, base, out, len, width, true);
  }

  /** The delta of one 4-byte value (as a little-endian int) against its base. */
  int encode(int value, int base) {
    return this == XOR ? value ^ base : value - base;
  }

  /** Inverts {@link #encode}: {@code out[i] = delta[i] (inverse op) base[i]}. */
  void decode(byte[] delta, byte[] base, byte[] out, int len, int width) {
    apply(delta, base, out, len, width, false);
  }

  private void apply(byte[] a, byte[] base, byte[] out, int len, int width, boolean encode) {
    if (this == XOR || width == 1) {
      if (this == XOR) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
          LONG.set(out, i, (long) LONG.get(a, i) ^ (long) LONG.get(base, i));
        }
        for (; i < len; i++) {
          out[i] = (byte) (a[i] ^ base[i]);
        }
      } else {
        for (int i = 0; i < len; i++) {
          out[i] = (byte) (encode ? a[i] - base[i] : a[i] + base[i]);
        }
      }
      return;
    }
    switch (width) {
      case 4:
        for (int i = 0; i + 4 <= len; i += 4) {
          int x = (int) INT.get(a, i);
          int b = (int) INT.get(base, i);
          INT.set(out, i, encode ? encode(x, b) : x + b);
        }
        break;
      case 2:
        for (int i = 0; i + 2 <= len; i += 2) {
          short x = (short) SHORT.get(a, i);
          short b = (short) SHORT.get(base, i);
          SHORT.set(out, i, (short) (encode ? x - b : x + b));
        }
        break;
      case 8:
        for (int i = 0; i + 8 <= len; i += 8) {
          long x = (long) LONG.get(a, i);
          long b = (long) LONG.get(base, i);
          LONG.set(out, i, encode ? x - b : x + b);
        }
        break;
      default:
        throw new IllegalArgumentException("no delta for values of " + width + " bytes");
    }
  }
}
