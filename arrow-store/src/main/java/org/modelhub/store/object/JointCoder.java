package org.modelhub.store.object;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Codes the first two byte planes of a batch together: each value's top {@code 8 + j} bits
 * (the first plane's byte and the second's top {@code j} bits, {@code 1 <= j <=}
 * {@value #MAX_J}) are one symbol, coded with order-0 rANS into the first plane's column
 * ({@link PlaneCodec#JOINT}); the second plane's other {@code 8 - j} bits are packed as they
 * are into its own column ({@link PlaneCodec#PACKED}).
 *
 * <p>Why: a float32's first byte is its sign and the exponent's top seven bits, the second
 * the exponent's lowest bit and the mantissa's top seven. Coding the planes one at a time
 * splits the exponent in two, and loses how the mantissa's top bits depend on the binade (a
 * weight distribution's density falls across a binade near its scale, and is flat far below
 * it). One symbol of the whole exponent and the mantissa's top bits costs their joint
 * entropy: on the benchmark's training snapshots about 0.17 bits a value less than the two
 * planes coded apart, within 0.02 bits of the two whole planes' joint entropy.
 * Below the top bits the mantissa is nearly uniform (its order-0 entropy is within a hundredth
 * of a bit of its width), so the rest is stored as it is.
 *
 * <p>A column still holds exactly its plane's information and those above it: the first
 * decodes alone (a read of the top plane), and the second takes the top bits the first
 * decoded ({@link Below}).
 *
 * <p>At most 256 distinct symbols may occur (they are numbered in order, so rANS codes bytes);
 * of the {@code j} that allow it, the one with the fewest bytes, tables included, is taken.
 * Many of them are rare, so the rANS table is normalised to {@value Ans#FINE_SCALE_BITS}
 * bits: at 12 bits each rare symbol would take at least 1/4096 of the range, which cost 0.2%
 * of the stream here.
 *
 * <p>The sign may instead be a bit of its own, packed beside the symbols, which are then the
 * {@code 7 + j} bits below it: weights are about as often negative as positive, so the sign
 * costs a bit either way, and apart it does not double the table (on the benchmark's training
 * snapshots 0.01 points of raw, and a mantissa bit more where 256 symbols allowed one fewer).
 * Each tensor takes whichever is smaller.
 *
 * <p>{@code joint} payload: {@code j}, with its top bit set when the sign is apart (1 byte);
 * the symbols that occur, as runs over the {@code 2^(8+j)} possible ones ({@code 2^(7+j)}
 * with the sign apart: the number of runs, then each run's length, alternately of absent and
 * present symbols, starting absent, as LEB128 varints); with the sign apart, the signs, one
 * bit a value, most significant first; the rANS stream of the symbols' numbers, its table
 * without a presence bitmap (every number is present). {@code packed} payload: {@code j}
 * (1 byte), then each byte's low {@code 8 - j} bits, most significant first, in
 * {@code ceil(n * (8 - j) / 8)} bytes.
 */
final class JointCoder {
  /** The most bits of the second plane a symbol takes. */
  static final int MAX_J = 5;
  /** Planes shorter than this are coded apart: the tables would cost more than they save. */
  static final int MIN_VALUES = 1 << 12;
  /** The bits of each value {@link #histogram} counts: its top {@code 8 + MAX_J}. */
  static final int TOP_BITS = 8 + MAX_J;
  /** The flag, beside {@code j} in a joint plane's first byte, of a sign coded apart. */
  private static final int SIGN_APART = 0x80;
  /** How an error names the list of symbols of a joint plane. */
  private static final String LIST = "joint plane's list of symbols";
  /** Eight packed values of {@code w} bits are the top {@code w} bytes of a big-endian long. */
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /**
   * Per byte of eight packed signs (the first value's in the top bit), the eight sign bits
   * each at the top of its own byte, the first value's lowest: eight values' signs in one
   * little-endian long.
   */
  private static final long[] SIGNS = new long[256];

  static {
    for (int b = 0; b < 256; b++) {
      for (int t = 0; t < 8; t++) {
        if ((b & (0x80 >>> t)) != 0) {
          SIGNS[b] |= 0x80L << (8 * t);
        }
      }
    }
  }

  private JointCoder() {
  }

  /** The counts of each value's top {@code 8 + MAX_J} bits. */
  static long[] histogram(byte[] first, byte[] second, int n) {
    long[] top = new long[1 << TOP_BITS];
    for (int i = 0; i < n; i++) {
      top[(first[i] & 0xff) << MAX_J | (second[i] & 0xff) >>> (8 - MAX_J)]++;
    }
    return top;
  }

  /** The counts of the first plane's bytes, from {@link #histogram}'s. */
  static long[] firstPlane(long[] top) {
    return narrow(top, 0, false);
  }

  /**
   * The counts of the top {@code 8 + j} bits, or, {@code signApart}, of the {@code 7 + j}
   * below the sign, from {@link #histogram}'s.
   */
  private static long[] narrow(long[] top, int j, boolean signApart) {
    long[] c = new long[1 << (signApart ? 7 + j : 8 + j)];
    int mask = signApart ? (1 << (TOP_BITS - 1)) - 1 : -1;
    for (int s = 0; s < top.length; s++) {
      c[(s & mask) >>> (MAX_J - j)] += top[s];
    }
    return c;
  }

  /**
   * How to code both planes: {@code j}, whether the sign is apart, the counts of the symbols,
   * their list as written ({@link #runList}), the rANS table of the present ones' numbers,
   * and the bytes of both coded planes, headers included.
   */
  record Choice(int j, boolean signApart, long[] counts, byte[] list, Ans.Table table,
      long bytes) { }

  /**
   * The {@code j}, and the sign in the symbol or apart, whose coded planes are smallest, from
   * {@link #histogram}'s counts of {@code n} values; null when every way has more than 256
   * symbols or one (with the sign apart and j = 1 the symbol is the exponent, a byte).
   */
  static Choice choose(long[] top, int n) {
    Choice best = null;
    for (int j = 1; j <= MAX_J; j++) {
      for (boolean apart : new boolean[] {false, true}) {
        Choice c = choice(top, n, j, apart);
        if (c != null && (best == null || c.bytes() < best.bytes())) {
          best = c;
        }
      }
    }
    return best;
  }

  /**
   * The order-0 entropy, in bits per value, of the two planes coded as a pair at its best
   * {@code j} (the symbols at their entropy, the rest of the second plane as it is), from
   * {@link #histogram}'s counts of {@code n} values; infinite where no {@code j} has at most
   * 256 symbols. The estimates of {@link PlaneStats} and the benchmark's bound.
   */
  static double entropy(long[] top, long n) {
    double best = Double.POSITIVE_INFINITY;
    for (int j = 1; j <= MAX_J; j++) {
      for (boolean apart : new boolean[] {false, true}) {
        long[] c = narrow(top, j, apart);
        int present = 0;
        for (long count : c) {
          present += count > 0 ? 1 : 0;
        }
        if (present <= 256) {
          best = Math.min(best, BytePlanes.entropy(c, n) + (apart ? 1 : 0) + 8 - j);
        }
      }
    }
    return best;
  }

  /**
   * Coding with {@code j} and the sign in the symbol or, {@code signApart}, as a bit of its
   * own; null when that has more than 256 symbols, or one.
   */
  static Choice choice(long[] top, int n, int j, boolean signApart) {
    long[] c = narrow(top, j, signApart);
    long[] dense = new long[256];
    int present = 0;
    for (long count : c) {
      if (count > 0) {
        if (present == 256) {
          return null;
        }
        dense[present++] = count;
      }
    }
    if (present < 2) {
      return null;
    }
    // the symbols are numbered 0..present-1, and the list of symbols says how many
    Ans.Table table = Ans.Table.of(dense, n, Ans.FINE_SCALE_BITS).dense();
    byte[] list = runList(c);
    long bytes = 2 * (PlaneCodec.HEADER + 1) + list.length + table.codedBytes(dense)
        + (signApart ? signBytes(n) : 0) + packedBytes(n, j);
    return new Choice(j, signApart, c, list, table, bytes);
  }

  private static long packedBytes(int n, int j) {
    return ((long) n * (8 - j) + 7) / 8;
  }

  private static int signBytes(int n) {
    return (n + 7) / 8;
  }

  /**
   * The symbols present in {@code counts} as runs: the lengths of alternately absent and
   * present runs, starting absent (the first may be 0), in {@code [1, count]}, the count in
   * {@code [0]}.
   */
  private static int[] runs(long[] counts) {
    int[] runs = new int[counts.length + 2];
    int r = 0;
    boolean present = false;
    int run = 0;
    for (long c : counts) {
      if (c > 0 == present) {
        run++;
      } else {
        runs[++r] = run;
        present = !present;
        run = 1;
      }
    }
    runs[++r] = run;
    runs[0] = r;
    return runs;
  }

  /** Codes the planes as {@code choice} says: the {@code joint} plane and the {@code packed}. */
  static byte[][] encode(byte[] first, byte[] second, int n, Choice choice) {
    int j = choice.j();
    long[] counts = choice.counts();
    // each present symbol's number (at most 256 of them, so a byte); absent ones never occur
    byte[] number = new byte[counts.length];
    int present = 0;
    for (int s = 0; s < counts.length; s++) {
      number[s] = (byte) (counts[s] > 0 ? present++ : 0);
    }
    byte[] symbols = new byte[n];
    int shift = 8 - j;
    int firstMask = choice.signApart() ? 0x7f : 0xff;
    for (int i = 0; i < n; i++) {
      symbols[i] = number[(first[i] & firstMask) << j | (second[i] & 0xff) >>> shift];
    }
    byte[] coded = Ans.encode(symbols, n, choice.table());
    byte[] runs = choice.list();
    int signs = choice.signApart() ? signBytes(n) : 0;
    byte[] joint = PlaneCodec.header(PlaneCodec.JOINT, n,
        1 + runs.length + signs + coded.length);
    int p = PlaneCodec.HEADER;
    joint[p++] = (byte) (j | (choice.signApart() ? SIGN_APART : 0));
    System.arraycopy(runs, 0, joint, p, runs.length);
    p += runs.length;
    if (signs > 0) {
      packSigns(first, n, joint, p);
    }
    System.arraycopy(coded, 0, joint, p + signs, coded.length);

    byte[] packed = PlaneCodec.header(PlaneCodec.PACKED, n, 1 + (int) packedBytes(n, j));
    packed[PlaneCodec.HEADER] = (byte) j;
    pack(second, n, 8 - j, packed, PlaneCodec.HEADER + 1);
    return new byte[][] {joint, packed};
  }

  /**
   * Packs the sign bits (the top bits) of {@code n} bytes of {@code first} into {@code out}
   * from {@code at}, the first value's in the top bit: eight at a time by one multiply, which
   * gathers the eight top bits of a big-endian long into its top byte (each bit lands alone,
   * so no carries).
   */
  private static void packSigns(byte[] first, int n, byte[] out, int at) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long tops = ((long) LONG.get(first, i) >>> 7) & 0x0101010101010101L;
      out[at + (i >>> 3)] = (byte) ((tops * 0x0102040810204080L) >>> 56);
    }
    if (i < n) {
      int b = 0;
      for (int t = 0; i + t < n; t++) {
        b |= (first[i + t] & 0x80) >>> t;
      }
      out[at + (i >>> 3)] = (byte) b;
    }
  }

  /**
   * Packs the low {@code width} bits of {@code n} bytes of {@code src} into {@code out} from
   * {@code at}: eight at a time as one long while eight bytes fit, then bit by bit.
   */
  private static void pack(byte[] src, int n, int width, byte[] out, int at) {
    int mask = (1 << width) - 1;
    int p = at;
    int i = 0;
    for (; i + 8 <= n && p + 8 <= out.length; i += 8, p += width) {
      long v = 0;
      for (int t = 0; t < 8; t++) {
        v = v << width | (src[i + t] & mask);
      }
      LONG.set(out, p, v << (64 - 8 * width));
    }
    long acc = 0;
    int bits = 0;
    for (; i < n; i++) {
      acc = acc << width | (src[i] & mask);
      bits += width;
      if (bits >= 8) {
        bits -= 8;
        out[p++] = (byte) (acc >>> bits);
      }
    }
    if (bits > 0) {
      out[p] = (byte) (acc << (8 - bits));
    }
  }

  /** The list of the symbols present in {@code counts}, as written: its runs as varints. */
  private static byte[] runList(long[] counts) {
    int[] runs = runs(counts);
    int bytes = 0;
    for (int r = 0; r <= runs[0]; r++) {
      bytes += Varint.bytes(runs[r]);
    }
    byte[] out = new byte[bytes];
    int p = 0;
    for (int r = 0; r <= runs[0]; r++) {
      p = Varint.put(out, p, runs[r]);
    }
    return out;
  }

  /**
   * What a decoded {@code joint} plane knows of the plane below: the top {@code bits} bits of
   * each of its bytes (the others zero).
   */
  record Below(byte[] top, int bits) { }

  /**
   * Decodes a {@code joint} payload of {@code size} bytes at {@code at}: the first plane, and
   * what it knows of the second ({@link PlaneCodec.Plane#below()}).
   */
  static PlaneCodec.Plane decodeJoint(byte[] value, int at, int size, int n) throws IOException {
    int end = at + size;
    int flags = size < 1 ? 0 : value[at] & 0xff;
    boolean signApart = (flags & SIGN_APART) != 0;
    int j = size < 1 ? -1 : flags & ~SIGN_APART;
    if (j < 1 || j > MAX_J) {
      throw new IOException("joint plane takes " + j + " bits of the plane below, expected 1.."
          + MAX_J);
    }
    // the symbols present, in order: their first-plane byte and second-plane top bits
    byte[] high = new byte[256];
    byte[] low = new byte[256];
    int present = 0;
    int[] p = {at + 1};
    int runs = Varint.read(value, p, end, LIST);
    int symbol = 0;
    int alphabet = 1 << (signApart ? 7 + j : 8 + j);
    for (int r = 0; r < runs; r++) {
      int run = Varint.read(value, p, end, LIST);
      if (run > alphabet - symbol) {
        throw new IOException("joint plane lists symbols past its " + alphabet);
      }
      if ((r & 1) == 1) {
        if (present + run > 256) {
          throw new IOException("joint plane lists over 256 symbols");
        }
        for (int s = symbol; s < symbol + run; s++, present++) {
          high[present] = (byte) (s >>> j);
          low[present] = (byte) (s << (8 - j));
        }
      }
      symbol += run;
    }
    if (symbol != alphabet) {
      throw new IOException("joint plane lists " + symbol + " of its " + alphabet + " symbols");
    }
    int signs = signApart ? signBytes(n) : 0;
    if (p[0] + signs > end) {
      throw new IOException("joint plane ends inside its signs");
    }
    byte[] first = new byte[n];
    byte[] top = new byte[n];
    Ans.decode(value, p[0] + signs, end - p[0] - signs, n, Ans.FINE_SCALE_BITS,
        new Ans.Output(present, true, first, high, top, low));
    if (signApart) {
      int i = 0;
      for (int at0 = p[0]; i + 8 <= n; i += 8) {
        long signs8 = SIGNS[value[at0 + (i >>> 3)] & 0xff];
        LONG_LE.set(first, i, (long) LONG_LE.get(first, i) | signs8);
      }
      for (; i < n; i++) {
        first[i] |= (byte) ((value[p[0] + (i >>> 3)] << (i & 7)) & 0x80);
      }
    }
    return new PlaneCodec.Plane(first, 0, n, new Below(top, j));
  }

  /**
   * Decodes a {@code packed} payload of {@code size} bytes at {@code at}: the second plane,
   * whose top bits {@code above} (the decoded {@code joint} plane) knows.
   */
  static byte[] decodePacked(byte[] value, int at, int size, int n, PlaneCodec.Plane above)
      throws IOException {
    int j = size < 1 ? -1 : value[at];
    Below below = above == null ? null : above.below();
    if (below == null || above.n() != n) {
      throw new IOException("a packed plane needs the joint plane above it");
    }
    if (j != below.bits()) {
      throw new IOException("packed plane holds the low " + (8 - j) + " bits, but the plane"
          + " above holds the top " + below.bits());
    }
    if (size != 1 + packedBytes(n, j)) {
      throw new IOException("packed plane of " + size + " bytes, expected "
          + (1 + packedBytes(n, j)) + " for " + n + " values");
    }
    byte[] top = below.top();
    byte[] out = new byte[n];
    int width = 8 - j;
    int mask = (1 << width) - 1;
    int p = at + 1;
    int end = at + size;
    int i = 0;
    // eight values from one long, unrolled by hand (twice as fast as the loop over them)
    for (; i + 8 <= n && p + 8 <= end; i += 8, p += width) {
      long v = (long) LONG.get(value, p);
      int shift = 64 - width;
      out[i] = (byte) (top[i] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 1] = (byte) (top[i + 1] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 2] = (byte) (top[i + 2] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 3] = (byte) (top[i + 3] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 4] = (byte) (top[i + 4] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 5] = (byte) (top[i + 5] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 6] = (byte) (top[i + 6] | (int) (v >>> shift) & mask);
      shift -= width;
      out[i + 7] = (byte) (top[i + 7] | (int) (v >>> shift) & mask);
    }
    long acc = 0;
    int bits = 0;
    for (; i < n; i++) {
      if (bits < width) {
        acc = acc << 8 | (value[p++] & 0xff);
        bits += 8;
      }
      bits -= width;
      out[i] = (byte) (top[i] | (int) (acc >>> bits) & mask);
    }
    return out;
  }
}
