package org.modelhub.store.object;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * How a delta object relates a tensor to its base, value by value on the raw bits:
 * {@code xor} (bitwise; the top planes of a value are the top planes of base and delta, so
 * progressive reads stay cheap), {@code sub} (two's-complement difference of the bit
 * patterns, which keeps small changes small across exponent boundaries) or {@code zigzag}
 * (that difference with its sign moved to the lowest bit: {@code (d << 1) ^ (d >> 31)}).
 *
 * <p>A difference in two's complement spreads its sign over every high byte (a small
 * negative change is {@code 0xFFFF....}), so the top planes of a {@code sub} delta mix two
 * distributions, near 0x00 and near 0xFF, and pay for the sign in each. Zigzag makes a small
 * change of either sign small: its top planes are nearly all zero and the sign costs one bit
 * in the lowest plane, which is noise anyway. On training snapshots it takes about 0.8 bits
 * per value off {@code sub} and 0.6 off {@code xor}. Commit and archive choose between
 * {@code xor} and {@code zigzag}; {@code sub} objects written before stay readable.
 */
public enum DeltaOp {
  XOR, SUB, ZIGZAG;

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
      throw new IllegalArgumentException("unknown delta operation '" + s
          + "' (known: xor, sub, zigzag)");
    }
  }

  /** {@code out[i] = value[i] (op) base[i]} over {@code len} bytes of values of width w. */
  void encode(byte[] value, byte[] base, byte[] out, int len, int width) {
    apply(value, base, out, len, width, true);
  }

  /** The delta of one 4-byte value (as a little-endian int) against its base. */
  int encode(int value, int base) {
    return this == XOR ? value ^ base : zig(value - base, 32, this == ZIGZAG);
  }

  /** Inverts {@link #encode}: {@code out[i] = delta[i] (inverse op) base[i]}. */
  void decode(byte[] delta, byte[] base, byte[] out, int len, int width) {
    apply(delta, base, out, len, width, false);
  }

  private void apply(byte[] a, byte[] base, byte[] out, int len, int width, boolean encode) {
    if (this == XOR) {
      int i = 0;
      for (; i + 8 <= len; i += 8) {
        LONG.set(out, i, (long) LONG.get(a, i) ^ (long) LONG.get(base, i));
      }
      for (; i < len; i++) {
        out[i] = (byte) (a[i] ^ base[i]);
      }
      return;
    }
    boolean zigzag = this == ZIGZAG;
    switch (width) {
      case 1:
        for (int i = 0; i < len; i++) {
          out[i] = (byte) (encode ? zig(a[i] - base[i], 8, zigzag)
              : unzig(a[i] & 0xFF, zigzag) + base[i]);
        }
        break;
      case 4:
        for (int i = 0; i + 4 <= len; i += 4) {
          int x = (int) INT.get(a, i);
          int b = (int) INT.get(base, i);
          INT.set(out, i, encode ? encode(x, b) : unzig(x, zigzag) + b);
        }
        break;
      case 2:
        for (int i = 0; i + 2 <= len; i += 2) {
          short x = (short) SHORT.get(a, i);
          short b = (short) SHORT.get(base, i);
          SHORT.set(out, i, (short) (encode ? zig(x - b, 16, zigzag)
              : unzig(x & 0xFFFF, zigzag) + b));
        }
        break;
      case 8:
        for (int i = 0; i + 8 <= len; i += 8) {
          long x = (long) LONG.get(a, i);
          long b = (long) LONG.get(base, i);
          long d = x - b;
          LONG.set(out, i, encode ? (zigzag ? (d << 1) ^ (d >> 63) : d)
              : (zigzag ? (x >>> 1) ^ -(x & 1) : x) + b);
        }
        break;
      default:
        throw new IllegalArgumentException("no delta for values of " + width + " bytes");
    }
  }

  /**
   * Difference {@code d} of {@code bits}-bit values, zigzag-mapped if asked: its sign
   * (bit {@code bits - 1}, after sign extension) moves to bit 0. The caller keeps the low
   * {@code bits} bits.
   */
  private static int zig(int d, int bits, boolean zigzag) {
    int signed = d << (32 - bits) >> (32 - bits);
    return zigzag ? (signed << 1) ^ (signed >> 31) : signed;
  }

  /** Inverts {@link #zig} on a value given as its low bits (unsigned). */
  private static int unzig(int z, boolean zigzag) {
    return zigzag ? (z >>> 1) ^ -(z & 1) : z;
  }
}
