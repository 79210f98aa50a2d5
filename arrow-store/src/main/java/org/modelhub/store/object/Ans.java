package org.modelhub.store.object;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.PriorityQueue;

/**
 * Order-0 entropy coding of a byte plane with rANS (range asymmetric numeral systems, Duda
 * 2013; the interleaved word-renormalising variant of Giesen's {@code rans_word}). It codes a
 * weight plane within about a hundredth of a bit per byte of its order-0 entropy, where Huffman
 * coding (zstd's literals) cannot go below one bit per byte: that floor is what the nearly
 * constant top plane of a delta, or of a training snapshot, pays.
 *
 * <p>Frequencies are normalised to {@value #SCALE_BITS} bits for a byte plane, or to
 * {@value #FINE_SCALE_BITS} for an alphabet of many rare symbols ({@link JointCoder}'s),
 * where 12 bits would give each rare symbol far more than its share (at least 1/4096 each).
 * Four states take the symbols in turn, so that a decoder's steps do not wait on each other.
 * States live in {@code [2^15, 2^31)} and move 16 bits at a time, at most once per symbol;
 * below {@code 2^31} the encoder divides by a symbol's frequency exactly with a multiply and
 * a shift (Alverson's reciprocals), so it needs no division.
 *
 * <p>Stream: the frequency table (a 32-byte presence bitmap, then each present symbol's
 * frequency as a LEB128 varint of 1 to 3 bytes), the four final states (4 bytes each,
 * little-endian), then the 16-bit words in the order the decoder reads them. The symbol count
 * and the scale are the caller's to know.
 */
final class Ans {
  static final int SCALE_BITS = 12;
  static final int FINE_SCALE_BITS = 14;
  private static final long L = 1L << 15;
  private static final int STATES = 4;
  private static final VarHandle WORD =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  private Ans() {
  }

  /** A plane's symbol counts, normalised to sum {@code 2^scaleBits}. */
  static final class Table {
    final int scaleBits;
    /** Written without the presence bitmap: its symbols are 0..k-1, k known to the reader. */
    final boolean dense;
    final int[] freq = new int[256];
    final int[] start = new int[256];

    private Table(int[] freq, int scaleBits, boolean dense) {
      this.scaleBits = scaleBits;
      this.dense = dense;
      int at = 0;
      for (int s = 0; s < 256; s++) {
        this.freq[s] = freq[s];
        this.start[s] = at;
        at += freq[s];
      }
    }

    /**
     * Normalises {@code counts} (of {@code total} symbols, at least two distinct) so that
     * every present symbol keeps a frequency of at least 1 and the code is as short as the
     * precision allows: after rounding to the nearest, each missing slot goes where it saves
     * the most bits ({@code count * log2((f + 1) / f)}), and any slot too many comes from
     * where taking it costs the least (rounding leaves a few either way).
     */
    static Table of(long[] counts, long total) {
      return of(counts, total, SCALE_BITS);
    }

    /** {@link #of(long[], long)}, normalised to {@code scaleBits} bits. */
    static Table of(long[] counts, long total, int scaleBits) {
      final int m = 1 << scaleBits;
      int[] f = new int[256];
      int sum = 0;
      for (int s = 0; s < 256; s++) {
        if (counts[s] > 0) {
          f[s] = (int) Math.max(1, Math.round((double) counts[s] * m / total));
          sum += f[s];
        }
      }
      if (sum == m) {
        return new Table(f, scaleBits, false);
      }
      // one slot at a time toward 2^scaleBits, each to (or from) the symbol where it gains the most
      // (loses the least), ties to the smaller symbol: a heap of the eligible symbols, as
      // a slot changes only its own symbol's gain (a scan of all symbols per slot cost
      // more than coding a small plane)
      int step = sum < m ? 1 : -1;
      double[] gain = new double[256];
      PriorityQueue<Integer> heap = new PriorityQueue<>(256,
          (a, b) -> gain[a] != gain[b] ? Double.compare(gain[b], gain[a]) : a - b);
      for (int s = 0; s < 256; s++) {
        if (counts[s] > 0 && (step > 0 || f[s] > 1)) {
          gain[s] = gain(counts[s], f[s], step);
          heap.add(s);
        }
      }
      for (; sum != m; sum += step) {
        int best = heap.remove();
        f[best] += step;
        if (step > 0 || f[best] > 1) {
          gain[best] = gain(counts[best], f[best], step);
          heap.add(best);
        }
      }
      return new Table(f, scaleBits, false);
    }

    /**
     * The bits saved by one more slot for a symbol of {@code count} at frequency {@code f}
     * ({@code step} 1), or, negated, the bits lost by one fewer ({@code step} -1).
     */
    private static double gain(long count, int f, int step) {
      return step > 0 ? count * Math.log((f + 1.0) / f) : -count * Math.log(f / (f - 1.0));
    }

    /**
     * This table written without its presence bitmap, for symbols numbered 0..k-1 (k, the
     * alphabet, is the reader's to know): 32 bytes less.
     */
    Table dense() {
      int k = 0;
      while (k < 256 && freq[k] > 0) {
        k++;
      }
      for (int s = k; s < 256; s++) {
        if (freq[s] > 0) {
          throw new IllegalArgumentException("symbol " + s + " is present after absent " + k);
        }
      }
      return new Table(freq, scaleBits, true);
    }

    /** Bytes of the serialised table. */
    int bytes() {
      int b = dense ? 0 : 32;
      for (int s = 0; s < 256; s++) {
        if (freq[s] > 0) {
          b += Varint.bytes(freq[s]);
        }
      }
      return b;
    }

    /** The coded size in bytes of data with {@code counts}, header included. */
    long codedBytes(long[] counts) {
      double bits = 0;
      for (int s = 0; s < 256; s++) {
        if (counts[s] > 0) {
          bits += counts[s] * (scaleBits - Math.log(freq[s]) / Math.log(2));
        }
      }
      return bytes() + 4L * STATES + 2 * (long) Math.ceil(bits / 16) + 2;
    }

    private int write(byte[] out, int at) {
      for (int s = 0; s < 256 && !dense; s++) {
        if (freq[s] > 0) {
          out[at + (s >>> 3)] |= (byte) (1 << (s & 7));
        }
      }
      int p = at + (dense ? 0 : 32);
      for (int s = 0; s < 256; s++) {
        if (freq[s] > 0) {
          p = Varint.put(out, p, freq[s]);
        }
      }
      return p;
    }

    /**
     * Reads a table at {@code at}: with its presence bitmap, or, when {@code dense} is
     * positive, the frequencies of symbols 0..dense-1 alone. {@code end[0]} is set to where
     * it ends.
     */
    private static Table read(byte[] in, int at, int[] end, int scaleBits, int dense)
        throws IOException {
      int[] f = new int[256];
      end[0] = at + (dense > 0 ? 0 : 32);
      int sum = 0;
      for (int s = 0; s < 256; s++) {
        if (dense > 0 ? s >= dense : (in[at + (s >>> 3)] & (1 << (s & 7))) == 0) {
          continue;
        }
        int v = Varint.read(in, end, in.length, "rANS frequency table");
        if (v == 0) {
          throw new IOException("rANS table gives symbol " + s + " frequency 0");
        }
        f[s] = v;
        sum += v;
      }
      if (sum != 1 << scaleBits) {
        throw new IOException("rANS table sums to " + sum + ", expected " + (1 << scaleBits));
      }
      return new Table(f, scaleBits, dense > 0);
    }
  }

  /**
   * Codes {@code n > 0} bytes of {@code src} (at least two distinct values, as counted in
   * {@code table}) and returns the stream.
   */
  static byte[] encode(byte[] src, int n, Table table) {
    // per symbol, packed for one load: the reciprocal of its frequency and its shift, so
    // that encoding needs no division (rcp < 2^32, shift < 16), and its bias and
    // complement (each < 2^16)
    final int scale = table.scaleBits;
    final int m = 1 << scale;
    long[] div = new long[256];
    long[] add = new long[256];
    int[] xmax = new int[256];
    for (int s = 0; s < 256; s++) {
      int f = table.freq[s];
      if (f == 0) {
        continue;
      }
      xmax[s] = (int) (((L >>> scale) << 16) * f);
      long rcp;
      int shift;
      long bias;
      if (f == 1) {
        rcp = 0xffffffffL;
        shift = 0;
        bias = table.start[s] + m - 1;
      } else {
        shift = 32 - Integer.numberOfLeadingZeros(f - 1);
        rcp = ((1L << (shift + 31)) + f - 1) / f;
        shift--;
        bias = table.start[s];
      }
      div[s] = rcp << 5 | shift;
      add[s] = bias << 16 | (m - f);
    }
    byte[] words = new byte[2 * n + 16];
    int w = words.length;
    int x0 = (int) L;
    int x1 = (int) L;
    int x2 = (int) L;
    int x3 = (int) L;
    int i = n - 1;
    // the symbols past the last multiple of four first, each with its own state
    for (; (i & 3) != 3; i--) {
      int s = src[i] & 0xff;
      int x = (i & 3) == 0 ? x0 : (i & 3) == 1 ? x1 : x2;
      if (x >= xmax[s]) {
        words[--w] = (byte) (x >>> 8);
        words[--w] = (byte) x;
        x >>>= 16;
      }
      x = put(x, div[s], add[s]);
      if ((i & 3) == 0) {
        x0 = x;
      } else if ((i & 3) == 1) {
        x1 = x;
      } else {
        x2 = x;
      }
    }
    for (; i >= 3; i -= 4) {
      int s3 = src[i] & 0xff;
      if (x3 >= xmax[s3]) {
        words[--w] = (byte) (x3 >>> 8);
        words[--w] = (byte) x3;
        x3 >>>= 16;
      }
      x3 = put(x3, div[s3], add[s3]);
      int s2 = src[i - 1] & 0xff;
      if (x2 >= xmax[s2]) {
        words[--w] = (byte) (x2 >>> 8);
        words[--w] = (byte) x2;
        x2 >>>= 16;
      }
      x2 = put(x2, div[s2], add[s2]);
      int s1 = src[i - 2] & 0xff;
      if (x1 >= xmax[s1]) {
        words[--w] = (byte) (x1 >>> 8);
        words[--w] = (byte) x1;
        x1 >>>= 16;
      }
      x1 = put(x1, div[s1], add[s1]);
      int s0 = src[i - 3] & 0xff;
      if (x0 >= xmax[s0]) {
        words[--w] = (byte) (x0 >>> 8);
        words[--w] = (byte) x0;
        x0 >>>= 16;
      }
      x0 = put(x0, div[s0], add[s0]);
    }
    int header = table.bytes() + 4 * STATES;
    byte[] out = new byte[header + words.length - w];
    int p = table.write(out, 0);
    for (int v : new int[] {x0, x1, x2, x3}) {
      out[p++] = (byte) v;
      out[p++] = (byte) (v >>> 8);
      out[p++] = (byte) (v >>> 16);
      out[p++] = (byte) (v >>> 24);
    }
    System.arraycopy(words, w, out, p, words.length - w);
    return out;
  }

  /** One encoding step: {@code x / f * 2^scale + x % f + start}, without a division. */
  private static int put(int x, long div, long add) {
    long q = ((x * (div >>> 5)) >>> 32) >>> (div & 31);
    return (int) (x + (add >>> 16) + q * (add & 0xffff));
  }

  /**
   * Decodes {@code n} bytes from {@code len} bytes of {@code in} at {@code off} into {@code out}:
   * a stream coded with a table of {@value #SCALE_BITS} bits.
   */
  static void decode(byte[] in, int off, int len, byte[] out, int n) throws IOException {
    decode(in, off, len, n, SCALE_BITS, new Output(256, false, out, IDENTITY, null, null));
  }

  private static final byte[] IDENTITY = new byte[256];

  static {
    for (int s = 0; s < 256; s++) {
      IDENTITY[s] = (byte) s;
    }
  }

  /**
   * Where decoded symbols go: symbol {@code s} (below {@code alphabet}: a table that gives a
   * larger one a frequency is corrupt) writes {@code map[s]} to {@code out} and, when
   * {@code out2} is given, {@code map2[s]} to {@code out2}. {@code dense}: the stream's table
   * was written {@link Table#dense()}, for the whole alphabet.
   */
  record Output(int alphabet, boolean dense, byte[] out, byte[] map, byte[] out2,
      byte[] map2) { }

  /**
   * Decodes {@code n} symbols from {@code len} bytes of {@code in} at {@code off}, coded with a
   * table of {@code scaleBits} bits, into {@code to}.
   */
  static void decode(byte[] in, int off, int len, int n, int scaleBits, Output to)
      throws IOException {
    int end = off + len;
    int[] tableEnd = new int[1];
    Table t;
    try {
      t = Table.read(in, off, tableEnd, scaleBits, to.dense() ? to.alphabet() : 0);
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new IOException("rANS stream ends inside its frequency table");
    }
    for (int s = to.alphabet(); s < 256; s++) {
      if (t.freq[s] > 0) {
        throw new IOException("rANS table codes symbol " + s + " of an alphabet of "
            + to.alphabet());
      }
    }
    byte[] out = to.out();
    byte[] out2 = to.out2();
    boolean two = out2 != null;
    // per slot: its symbol's frequency (16 bits) above the slot minus the symbol's start
    // (16), loaded together; and what it writes
    final int m = 1 << scaleBits;
    int[] slots = new int[m];
    byte[] symbols = two ? null : new byte[m];
    // with two outputs, a slot's two bytes (out's above out2's) in one load: a fifth faster
    char[] pairs = two ? new char[m] : null;
    for (int s = 0; s < 256; s++) {
      int f = t.freq[s];
      if (f == m) {
        throw new IOException("rANS table holds a single symbol");
      }
      for (int k = 0; k < f; k++) {
        slots[t.start[s] + k] = (f << 16) | k;
        if (two) {
          pairs[t.start[s] + k] = (char) ((to.map()[s] & 0xff) << 8 | to.map2()[s] & 0xff);
        } else {
          symbols[t.start[s] + k] = to.map()[s];
        }
      }
    }
    int p = tableEnd[0];
    if (p + 4 * STATES > end) {
      throw new IOException("rANS stream ends before its states");
    }
    int x0 = (int) u32(in, p);
    int x1 = (int) u32(in, p + 4);
    int x2 = (int) u32(in, p + 8);
    int x3 = (int) u32(in, p + 12);
    p += 16;
    final int mask = m - 1;
    final int low = (int) L;
    int i = 0;
    try {
      for (; i + 3 < n; i += 4) {
        int e0 = slots[x0 & mask];
        int e1 = slots[x1 & mask];
        int e2 = slots[x2 & mask];
        int e3 = slots[x3 & mask];
        if (two) {
          int c0 = pairs[x0 & mask];
          int c1 = pairs[x1 & mask];
          int c2 = pairs[x2 & mask];
          int c3 = pairs[x3 & mask];
          out[i] = (byte) (c0 >>> 8);
          out[i + 1] = (byte) (c1 >>> 8);
          out[i + 2] = (byte) (c2 >>> 8);
          out[i + 3] = (byte) (c3 >>> 8);
          out2[i] = (byte) c0;
          out2[i + 1] = (byte) c1;
          out2[i + 2] = (byte) c2;
          out2[i + 3] = (byte) c3;
        } else {
          out[i] = symbols[x0 & mask];
          out[i + 1] = symbols[x1 & mask];
          out[i + 2] = symbols[x2 & mask];
          out[i + 3] = symbols[x3 & mask];
        }
        x0 = (e0 >>> 16) * (x0 >>> scaleBits) + (e0 & 0xffff);
        if (x0 < low) {
          x0 = (x0 << 16) | (((short) WORD.get(in, p)) & 0xffff);
          p += 2;
        }
        x1 = (e1 >>> 16) * (x1 >>> scaleBits) + (e1 & 0xffff);
        if (x1 < low) {
          x1 = (x1 << 16) | (((short) WORD.get(in, p)) & 0xffff);
          p += 2;
        }
        x2 = (e2 >>> 16) * (x2 >>> scaleBits) + (e2 & 0xffff);
        if (x2 < low) {
          x2 = (x2 << 16) | (((short) WORD.get(in, p)) & 0xffff);
          p += 2;
        }
        x3 = (e3 >>> 16) * (x3 >>> scaleBits) + (e3 & 0xffff);
        if (x3 < low) {
          x3 = (x3 << 16) | (((short) WORD.get(in, p)) & 0xffff);
          p += 2;
        }
      }
      for (; i < n; i++) {
        int x = (i & 3) == 0 ? x0 : (i & 3) == 1 ? x1 : x2;
        int e = slots[x & mask];
        if (two) {
          int c = pairs[x & mask];
          out[i] = (byte) (c >>> 8);
          out2[i] = (byte) c;
        } else {
          out[i] = symbols[x & mask];
        }
        x = (e >>> 16) * (x >>> scaleBits) + (e & 0xffff);
        if (x < low) {
          x = (x << 16) | (((short) WORD.get(in, p)) & 0xffff);
          p += 2;
        }
        if ((i & 3) == 0) {
          x0 = x;
        } else if ((i & 3) == 1) {
          x1 = x;
        } else {
          x2 = x;
        }
      }
    } catch (IndexOutOfBoundsException e) {
      throw new IOException("rANS stream is truncated at symbol " + i + " of " + n);
    }
    // the encoder started every state at L: a stream that decodes to other states is corrupt
    if (p != end || x0 != low || x1 != low || x2 != low || x3 != low) {
      throw new IOException("rANS stream does not end where its symbols do (corrupt)");
    }
  }

  private static long u32(byte[] b, int p) {
    return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16
        | (b[p + 3] & 0xffL) << 24;
  }
}
