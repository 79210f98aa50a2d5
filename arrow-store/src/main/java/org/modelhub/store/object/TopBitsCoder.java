package org.modelhub.store.object;

import java.io.IOException;
import java.util.Arrays;

/**
 * Codes the top two bits of each byte of a plane with a binary range coder (LZMA's: 11-bit
 * probabilities that move a 32nd of the way towards each coded bit, a carry-propagating
 * encoder), each bit's probability chosen by the byte at the same position in the plane above
 * (and, for the second bit, by the first).
 *
 * <p>In float32 byte planes the top bit of the second plane is the exponent's lowest bit and
 * the next is the mantissa's highest; the first plane holds the sign and the exponent's other
 * seven bits. How likely the lower of two neighbouring binades is, and the lower half of a
 * binade, depends on which binade it is: an order-0 coder of the second plane sees nearly 8
 * bits per byte, while on the benchmark's corpus models these two bits cost 0.73 and 0.90
 * bits with their contexts, instead of 2. The models adapt as they go, so nothing is stored
 * for them.
 */
final class TopBitsCoder {
  /** Bits coded per byte, from the top. */
  static final int BITS = 2;
  private static final int PROB_BITS = 11;
  private static final int ONE = 1 << PROB_BITS;
  private static final int MOVE_BITS = 5;
  private static final long TOP = 1 << 24;
  /** Models: 256 for the first bit (by the byte above), 512 for the second (and the first). */
  private static final int MODELS = 256 + 512;

  private TopBitsCoder() {
  }

  /**
   * The cost in bits of coding the top bits of {@code n} bytes of {@code plane} with
   * {@code above} (from {@code aboveOff}) as context, as {@link #encode} would: an estimate
   * from the conditional counts of {@code pieces} pieces of {@code piece} bytes spread over
   * the plane (the whole plane when they would cover it), plus what the models pay while
   * they adapt. {@code low} receives the counts of the other bits in those pieces, scaled to
   * the plane.
   */
  static double estimateBits(byte[] plane, int n, byte[] above, int aboveOff, int pieces,
      int piece, long[] low) {
    int[] ones = new int[MODELS];
    int[] all = new int[MODELS];
    int lowMask = 0xff >>> BITS;
    boolean whole = (long) pieces * piece >= n;
    int count = whole ? 1 : pieces;
    int len = whole ? n : piece;
    long sampled = 0;
    for (int k = 0; k < count; k++) {
      int start = whole ? 0 : BytePlanes.pieceStart(n, piece, k, pieces);
      for (int i = start; i < start + len; i++) {
        int c = above[aboveOff + i] & 0xff;
        int b = plane[i] & 0xff;
        all[c]++;
        ones[c] += b >>> 7;
        int c2 = 256 + (c << 1 | b >>> 7);
        all[c2]++;
        ones[c2] += b >>> 6 & 1;
        low[b & lowMask]++;
      }
      sampled += len;
    }
    double scale = (double) n / sampled;
    double bits = 0;
    for (int c = 0; c < MODELS; c++) {
      int t = all[c];
      if (t == 0) {
        continue;
      }
      int o = ones[c];
      bits += scale * (entropyBits(o, t) + entropyBits(t - o, t));
      // a model starts at one half and needs some dozens of bits to settle
      bits += Math.min(t * scale, 24);
    }
    if (!whole) {
      for (int s = 0; s <= lowMask; s++) {
        low[s] = Math.round(low[s] * scale);
      }
    }
    return bits;
  }

  private static double entropyBits(int k, int t) {
    return k == 0 ? 0 : -k * Math.log((double) k / t) / Math.log(2);
  }

  /**
   * Codes the top bits of {@code n} bytes of {@code plane}; returns the coded bytes: the
   * length of the first stream (4 bytes, little-endian), then two streams, of the bytes at even
   * and at odd positions, each with models of its own. Two coders interleaved keep the CPU
   * busy while each waits on its own chain of multiplications; and the bits are close to
   * random, so both directions code them without branches: a mispredicted branch a bit cost
   * more than the rest of the work.
   */
  static byte[] encode(byte[] plane, int n, byte[] above, int aboveOff) {
    short[] probsA = newModels();
    short[] probsB = newModels();
    Encoder a = new Encoder(n / 6 + 16);
    Encoder b = new Encoder(n / 6 + 16);
    int i = 0;
    for (; i + 1 < n; i += 2) {
      a.code(plane[i], probsA, above[aboveOff + i] & 0xff);
      b.code(plane[i + 1], probsB, above[aboveOff + i + 1] & 0xff);
    }
    if (i < n) {
      a.code(plane[i], probsA, above[aboveOff + i] & 0xff);
    }
    a.flush();
    b.flush();
    byte[] out = new byte[4 + a.at + b.at];
    out[0] = (byte) a.at;
    out[1] = (byte) (a.at >>> 8);
    out[2] = (byte) (a.at >>> 16);
    out[3] = (byte) (a.at >>> 24);
    System.arraycopy(a.out, 0, out, 4, a.at);
    System.arraycopy(b.out, 0, out, 4 + a.at, b.at);
    return out;
  }

  /**
   * Decodes the top bits of {@code n} bytes into {@code out} (from {@code outOff}), ORing them
   * into each byte, from {@code len} coded bytes of {@code in} at {@code off}.
   */
  static void decode(byte[] in, int off, int len, byte[] out, int outOff, int n, byte[] above,
      int aboveOff) throws IOException {
    int lenA = len < 4 ? -1 : (in[off] & 0xff) | (in[off + 1] & 0xff) << 8
        | (in[off + 2] & 0xff) << 16 | (in[off + 3] & 0xff) << 24;
    if (lenA < 0 || lenA > len - 4) {
      throw new IOException("top-bit stream of " + len + " bytes declares a first part of "
          + lenA);
    }
    Decoder a = new Decoder(in, off + 4, lenA);
    Decoder b = new Decoder(in, off + 4 + lenA, len - 4 - lenA);
    short[] probsA = newModels();
    short[] probsB = newModels();
    int i = 0;
    for (; i + 1 < n; i += 2) {
      out[outOff + i] |= a.bits(probsA, above[aboveOff + i] & 0xff);
      out[outOff + i + 1] |= b.bits(probsB, above[aboveOff + i + 1] & 0xff);
    }
    if (i < n) {
      out[outOff + i] |= a.bits(probsA, above[aboveOff + i] & 0xff);
    }
  }

  /**
   * A model's probability (of a zero bit) after coding a bit: a 32nd of the way towards
   * certainty, staying within [31, 2017] so that neither outcome's range is ever empty.
   * {@code one} is -1 for a one bit, 0 for a zero bit.
   */
  private static int move(int p, int one) {
    return p + (((ONE - p) >>> MOVE_BITS) & ~one) - ((p >>> MOVE_BITS) & one);
  }

  private static short[] newModels() {
    short[] probs = new short[MODELS];
    Arrays.fill(probs, (short) (ONE / 2));
    return probs;
  }

  /** One encoder: the low end of its range, with bytes held back for a carry. */
  private static final class Encoder {
    byte[] out;
    int at;
    private long low;
    private long range = 0xFFFFFFFFL;
    private int cache;
    private long pending = 1;

    Encoder(int capacity) {
      out = new byte[capacity];
    }

    /** Codes the top bits of {@code b}; {@code c} is the byte above it. */
    void code(byte b, short[] probs, int c) {
      int first = (b & 0xff) >>> 7;
      bit(first, probs, c);
      bit(b >>> 6 & 1, probs, 256 + (c << 1 | first));
    }

    private void bit(int bit, short[] probs, int m) {
      int p = probs[m];
      long bound = (range >>> PROB_BITS) * p;
      long mask = -bit;
      low += bound & mask;
      range = bound & ~mask | (range - bound) & mask;
      probs[m] = (short) move(p, (int) mask);
      while (range < TOP) {
        range <<= 8;
        shiftLow();
      }
    }

    void flush() {
      for (int i = 0; i < 5; i++) {
        shiftLow();
      }
    }

    private void shiftLow() {
      if (low < 0xFF000000L || low > 0xFFFFFFFFL) {
        int carry = (int) (low >>> 32);
        int b = cache;
        do {
          if (at == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
          }
          out[at++] = (byte) (b + carry);
          b = 0xFF;
        } while (--pending != 0);
        cache = (int) (low >>> 24) & 0xFF;
      }
      pending++;
      low = (low & 0x00FFFFFFL) << 8;
    }
  }

  /** One decoder: where the code value lies in its range. */
  private static final class Decoder {
    private final byte[] in;
    private final int end;
    private int pos;
    private long code;
    private long range = 0xFFFFFFFFL;

    Decoder(byte[] in, int off, int len) throws IOException {
      if (len < 5 || in[off] != 0) {
        throw new IOException("top-bit stream of " + len + " bytes has no valid start");
      }
      this.in = in;
      this.end = off + len;
      this.pos = off + 1;
      for (int k = 0; k < 4; k++) {
        code = code << 8 | in[pos++] & 0xff;
      }
    }

    /** The top bits of the next byte, whose byte above is {@code c}, in place. */
    int bits(short[] probs, int c) throws IOException {
      int first = bit(probs, c);
      return first << 7 | bit(probs, 256 + (c << 1 | first)) << 6;
    }

    private int bit(short[] probs, int m) throws IOException {
      int p = probs[m];
      long bound = (range >>> PROB_BITS) * p;
      // all ones when code >= bound: a one bit
      long mask = ~((code - bound) >> 63);
      code -= bound & mask;
      range = bound & ~mask | (range - bound) & mask;
      probs[m] = (short) move(p, (int) mask);
      while (range < TOP) {
        if (pos == end) {
          throw new IOException("top-bit stream ends before its last bit");
        }
        range <<= 8;
        code = (code << 8 | in[pos++] & 0xff) & 0xFFFFFFFFL;
      }
      return (int) mask & 1;
    }
  }
}
