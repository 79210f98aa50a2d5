package org.modelhub.store.object;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.modelhub.store.model.Float16;

/**
 * A lossy archival scheme for float32 tensors, used only when a user asks for it
 * ({@code dlv archive --lossy}): {@code float16}, {@code bfloat16} (round to nearest even),
 * {@code fixedK} (K-bit signed fixed point, the binary point placed so the largest magnitude
 * fits) or {@code quantK} (K-bit uniform quantisation between the tensor's min and max).
 * Values become integer codes of 1 or 2 bytes, stored as byte planes.
 */
public record LossyScheme(Kind kind, int bits) {
  /** The family of a scheme. */
  public enum Kind { FLOAT16, BFLOAT16, FIXED, QUANT }

  private static final Pattern SPEC = Pattern.compile("(float16|bfloat16|fixed|quant):?(\\d*)");
  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  public LossyScheme {
    if ((kind == Kind.FIXED || kind == Kind.QUANT) && (bits < 2 || bits > 16)) {
      throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT)
          + " needs 2 to 16 bits, not " + bits);
    }
  }

  /** Parses {@code float16}, {@code bfloat16}, {@code fixed8} / {@code fixed:8}, {@code quant4}. */
  public static LossyScheme parse(String spec) {
    Matcher m = SPEC.matcher(spec.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("unknown lossy scheme '" + spec
          + "' (known: float16, bfloat16, fixedK, quantK with K bits from 2 to 16)");
    }
    Kind kind = Kind.valueOf(m.group(1).toUpperCase(Locale.ROOT));
    boolean needsBits = kind == Kind.FIXED || kind == Kind.QUANT;
    if (needsBits == m.group(2).isEmpty()) {
      throw new IllegalArgumentException("lossy scheme '" + spec + "': "
          + (needsBits ? "give the bits, e.g. " + m.group(1) + "8" : m.group(1)
              + " takes no bit count"));
    }
    return new LossyScheme(kind, needsBits ? Integer.parseInt(m.group(2)) : 16);
  }

  public String label() {
    String k = kind.name().toLowerCase(Locale.ROOT);
    return kind == Kind.FIXED || kind == Kind.QUANT ? k + bits : k;
  }

  /** Bytes per code. */
  int codeWidth() {
    return bits <= 8 ? 1 : 2;
  }

  /** Codes of the values and the parameters that turn codes back into values. */
  record Coded(byte[] codes, Map<String, String> params) { }

  Coded encode(float[] v) {
    int w = codeWidth();
    byte[] codes = new byte[v.length * w];
    Map<String, String> params = new HashMap<>();
    switch (kind) {
      case FLOAT16:
        for (int i = 0; i < v.length; i++) {
          SHORT.set(codes, 2 * i, Float16.fromFloat(v[i]));
        }
        break;
      case BFLOAT16:
        for (int i = 0; i < v.length; i++) {
          int x = Float.floatToRawIntBits(v[i]);
          if ((x & 0x7f800000) != 0x7f800000) {
            x += 0x7fff + ((x >>> 16) & 1);
          }
          SHORT.set(codes, 2 * i, (short) (x >>> 16));
        }
        break;
      case FIXED: {
        double max = 0;
        for (float x : v) {
          max = Math.max(max, Math.abs(x));
        }
        long top = (1L << (bits - 1)) - 1;
        int frac = max == 0 ? 0 : (int) Math.floor(Math.log(top / max) / Math.log(2));
        while (max * Math.scalb(1.0, frac) > top) {
          frac--;
        }
        params.put("modelhub.frac_bits", Integer.toString(frac));
        for (int i = 0; i < v.length; i++) {
          long c = Math.max(-top - 1, Math.min(top, Math.round(v[i] * Math.scalb(1.0, frac))));
          putCode(codes, i, (int) c, w);
        }
        break;
      }
      default: {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
          min = Math.min(min, x);
          max = Math.max(max, x);
        }
        if (v.length == 0) {
          min = 0;
          max = 0;
        }
        int levels = (1 << bits) - 1;
        double step = max > min ? ((double) max - min) / levels : 0;
        params.put("modelhub.min", Float.toString(min));
        params.put("modelhub.step", Double.toString(step));
        for (int i = 0; i < v.length; i++) {
          int c = step == 0 ? 0 : (int) Math.max(0, Math.min(levels,
              Math.round((v[i] - (double) min) / step)));
          putCode(codes, i, c, w);
        }
      }
    }
    return new Coded(codes, params);
  }

  /** Turns codes back into float32 values, little-endian. */
  byte[] decode(byte[] codes, Map<String, String> params) {
    int w = codeWidth();
    int n = codes.length / w;
    byte[] out = new byte[n * 4];
    switch (kind) {
      case FLOAT16:
        for (int i = 0; i < n; i++) {
          INT.set(out, 4 * i, Float.floatToRawIntBits(
              Float16.toFloat((short) SHORT.get(codes, 2 * i))));
        }
        break;
      case BFLOAT16:
        for (int i = 0; i < n; i++) {
          INT.set(out, 4 * i, ((short) SHORT.get(codes, 2 * i) & 0xffff) << 16);
        }
        break;
      case FIXED: {
        double scale = Math.scalb(1.0, -Integer.parseInt(param(params, "modelhub.frac_bits")));
        for (int i = 0; i < n; i++) {
          INT.set(out, 4 * i, Float.floatToRawIntBits((float) (code(codes, i, w, true) * scale)));
        }
        break;
      }
      default: {
        double min = Float.parseFloat(param(params, "modelhub.min"));
        double step = Double.parseDouble(param(params, "modelhub.step"));
        for (int i = 0; i < n; i++) {
          INT.set(out, 4 * i, Float.floatToRawIntBits(
              (float) (min + code(codes, i, w, false) * step)));
        }
      }
    }
    return out;
  }

  private static String param(Map<String, String> params, String key) {
    String v = params.get(key);
    if (v == null) {
      throw new IllegalArgumentException("lossy object lacks its parameter " + key);
    }
    return v;
  }

  private static void putCode(byte[] codes, int i, int c, int w) {
    if (w == 1) {
      codes[i] = (byte) c;
    } else {
      SHORT.set(codes, 2 * i, (short) c);
    }
  }

  private static int code(byte[] codes, int i, int w, boolean signed) {
    if (w == 1) {
      return signed ? codes[i] : codes[i] & 0xff;
    }
    short s = (short) SHORT.get(codes, 2 * i);
    return signed ? s : s & 0xffff;
  }
}
