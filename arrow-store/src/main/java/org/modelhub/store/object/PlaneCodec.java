package org.modelhub.store.object;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorOutputStream;

/**
 * How one byte plane of one record batch is coded, chosen per plane by what pays. A coded
 * plane is a tag byte, the plane's length (4 bytes, little-endian), then the payload:
 * <ul>
 *   <li>{@code raw}: the bytes as they are (a low mantissa plane, which no coder shrinks);
 *   <li>{@code const}: one byte repeated (a delta's top plane when nothing moved);
 *   <li>{@code ans}: order-0 rANS ({@link Ans}), within about a hundredth of a bit per byte
 *       of the plane's order-0 entropy;
 *   <li>{@code zstd} or {@code lz4}: a frame of the repository's LZ codec, tried only on
 *       nearly constant planes, whose long runs an order-0 coder cannot see;
 *   <li>{@code ctx}: the second plane, its top two bits coded with the plane above as
 *       context ({@link TopBitsCoder}) and its other six bits with order-0 rANS: the top bits
 *       of a float32's second byte are the exponent's lowest and the mantissa's highest.
 *       Payload: the top-bit stream's length (4 bytes, little-endian), that stream, the rANS
 *       stream.
 *   <li>{@code joint}: the first plane, coded as one rANS symbol with the top bits of the
 *       second ({@link JointCoder}), whose column is then
 *   <li>{@code packed}: the second plane's other bits as they are.
 * </ul>
 * The first two planes are coded as a pair ({@link #encode(byte[][], int, int, Compression)}):
 * {@code joint} and {@code packed}, or each apart (the second with {@code ctx} or not),
 * whichever is smaller.
 */
enum PlaneCodec {
  // the ordinal is the tag stored in objects: append, never reorder
  RAW, CONST, ANS, ZSTD, LZ4, CTX, JOINT, PACKED;

  static final int HEADER = 5;
  /** Above this sampled entropy (bits per byte) a plane is kept raw without a histogram. */
  private static final double RAW_BITS = 7.97;
  /** Coding must save this fraction of a plane to be worth its time on every read. */
  static final int MIN_SAVING_SHIFT = 7;
  /** At or below this entropy a plane also tries the LZ codec for runs. */
  static final double RUNS_BITS = 1.5;
  /** A large plane's LZ trial codes this many pieces of {@link #LZ_PIECE} bytes first. */
  private static final int LZ_PIECES = 4;
  private static final int LZ_PIECE = 1 << 14;
  /** Planes shorter than this are not tried with a context: the models would not settle. */
  private static final int CTX_MIN = 1024;
  /**
   * A {@code ctx} plane decodes several times slower than a raw or rANS plane (each of its two
   * top bits costs about 7 ns, against 2-3 ns a byte for rANS: on the benchmark's training
   * snapshots, where it would save 1.6% of the plane, the whole codec decoded at 150 MB/s
   * instead of 660), so it must save this fraction of the plane, 1/2^5, four times what rANS
   * must. The corpus models' second planes, where it saves about 4.5%, take it.
   */
  private static final int CTX_SAVING_SHIFT = 5;
  /** A large plane's {@code ctx} trial first estimates this many pieces of it. */
  private static final int CTX_PIECES = 16;
  private static final int CTX_PIECE = 1 << 12;

  private static final ThreadLocal<ZstdCompressCtx> ZSTD_CTX = ThreadLocal.withInitial(() -> {
    ZstdCompressCtx c = new ZstdCompressCtx();
    c.setLevel(3);
    c.setChecksum(false);
    return c;
  });
  private static final ThreadLocal<ZstdDecompressCtx> UNZSTD =
      ThreadLocal.withInitial(ZstdDecompressCtx::new);

  /**
   * The bits per byte a plane of order-0 entropy {@code bits} is stored in, as
   * {@link #encode} decides: rANS comes within about 0.005 bits of the entropy when that saves
   * at least 1/2^{@value #MIN_SAVING_SHIFT} of the plane, else the plane stays raw.
   */
  static double storedBits(double bits) {
    return bits + 0.005 < 8.0 - 8.0 / (1 << MIN_SAVING_SHIFT) ? bits + 0.005 : 8;
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Codes the {@code width} planes of {@code n} values, each by what pays. The first two are
   * also tried as a pair ({@link JointCoder}), taken when it saves 1/2^{@value
   * #MIN_SAVING_SHIFT} of a plane against the first coded alone and the second alone;
   * otherwise the second tries {@code ctx}. The pair models what {@code ctx} does (the
   * second plane's top bits given the first) and decodes several times faster, so where the
   * pair pays {@code ctx} is not tried.
   */
  static List<byte[]> encode(byte[][] planes, int n, int width, Compression lz)
      throws IOException {
    List<byte[]> coded = new ArrayList<>(width);
    int p = 0;
    if (width >= 2 && lz != Compression.NONE && n >= JointCoder.MIN_VALUES) {
      long[] top = JointCoder.histogram(planes[0], planes[1], n);
      long[] firstCounts = JointCoder.firstPlane(top);
      // a nearly constant first plane (a delta's) is left to rANS or LZ, which see its runs
      JointCoder.Choice pair = BytePlanes.entropy(firstCounts, n) > RUNS_BITS
          ? JointCoder.choose(top, n) : null;
      if (pair != null && pair.bytes() < estimate(firstCounts, n)
          + estimateAlone(planes[1], n) - (n >> MIN_SAVING_SHIFT)) {
        coded.addAll(Arrays.asList(JointCoder.encode(planes[0], planes[1], n, pair)));
        p = 2;
      }
    }
    // apart: each plane by what pays
    for (; p < width; p++) {
      // the second plane may take the first as context (the exponent's low bit is in it)
      coded.add(encode(planes[p], n, lz, p == 1 ? planes[0] : null, 0));
    }
    return coded;
  }

  /**
   * The bytes {@link #encode(byte[], int, Compression)} codes a plane of {@code counts} in,
   * as rANS or raw (a plane of runs, which LZ may code smaller, is not estimated).
   */
  private static long estimate(long[] counts, int n) {
    int distinct = 0;
    for (long c : counts) {
      distinct += c > 0 ? 1 : 0;
    }
    if (distinct < 2) {
      return HEADER + 1;
    }
    long ans = HEADER + Ans.Table.of(counts, n).codedBytes(counts);
    return ans < n - (n >> MIN_SAVING_SHIFT) ? ans : HEADER + n;
  }

  /**
   * The bytes {@link #encode(byte[], int, Compression)} codes {@code n} bytes of {@code plane}
   * in, estimated as it decides (a plane of runs, which LZ may code smaller, as rANS): a
   * histogram instead of a coding, for a plane that will rather be coded with another.
   */
  private static long estimateAlone(byte[] plane, int n) {
    return BytePlanes.sampledEntropy(plane, n) > RAW_BITS ? HEADER + n
        : estimate(BytePlanes.histogram(plane, n), n);
  }

  /**
   * Codes {@code n} bytes of {@code plane}: raw when {@code lz} is {@link Compression#NONE},
   * else by what pays, trying {@code lz} on nearly constant planes, and {@code ctx} when
   * {@code above} (the plane above, from {@code aboveOff}) is given.
   */
  static byte[] encode(byte[] plane, int n, Compression lz, byte[] above, int aboveOff)
      throws IOException {
    byte[] best = encode(plane, n, lz);
    if (above == null || lz == Compression.NONE || n < CTX_MIN) {
      return best;
    }
    byte[] ctx = withContext(plane, n, above, aboveOff, best.length);
    return ctx != null ? ctx : best;
  }

  /**
   * The plane coded as {@code ctx}, when an estimate says that saves at least 1/2^{@value
   * #CTX_SAVING_SHIFT} of the plane against {@code bestBytes}; else null.
   */
  private static byte[] withContext(byte[] plane, int n, byte[] above, int aboveOff,
      int bestBytes) {
    // a large plane is judged by pieces of it first: the trial costs two passes over the
    // plane, as much as coding it, and most planes that try do not take it
    int least = bestBytes - (n >> CTX_SAVING_SHIFT);
    CtxEstimate e = ctxEstimate(plane, n, above, aboveOff, CTX_PIECES, CTX_PIECE);
    if (e.bytes() < least && (long) CTX_PIECES * CTX_PIECE < n) {
      e = ctxEstimate(plane, n, above, aboveOff, 1, n);
    }
    if (e.bytes() >= least) {
      return null;
    }
    int lowMask = 0xff >>> TopBitsCoder.BITS;
    Ans.Table table = e.table();
    byte[] top = TopBitsCoder.encode(plane, n, above, aboveOff);
    byte[] lowPlane = new byte[n];
    for (int i = 0; i < n; i++) {
      lowPlane[i] = (byte) (plane[i] & lowMask);
    }
    byte[] rest = Ans.encode(lowPlane, n, table);
    if (HEADER + 4 + top.length + rest.length > least) {
      return null;
    }
    byte[] out = header(CTX, n, 4 + top.length + rest.length);
    putInt(out, HEADER, top.length);
    System.arraycopy(top, 0, out, HEADER + 4, top.length);
    System.arraycopy(rest, 0, out, HEADER + 4 + top.length, rest.length);
    return out;
  }

  /**
   * The estimated bytes of a {@code ctx} plane, and the rANS table of its low bits: from
   * {@code pieces} pieces of {@code piece} bytes spread over the plane, or from all of it when
   * they would cover it (then the table is the one to code with).
   */
  private record CtxEstimate(double bytes, Ans.Table table) { }

  private static CtxEstimate ctxEstimate(byte[] plane, int n, byte[] above, int aboveOff,
      int pieces, int piece) {
    long[] low = new long[256];
    double topBits = TopBitsCoder.estimateBits(plane, n, above, aboveOff, pieces, piece, low);
    int distinct = 0;
    long total = 0;
    for (long c : low) {
      distinct += c > 0 ? 1 : 0;
      total += c;
    }
    if (distinct < 2) {
      // rANS does not code a single value
      return new CtxEstimate(Double.POSITIVE_INFINITY, null);
    }
    Ans.Table table = Ans.Table.of(low, total);
    return new CtxEstimate(HEADER + 4 + table.codedBytes(low) + topBits / 8, table);
  }

  /** Codes {@code n} bytes of {@code plane} on their own (order 0, or runs). */
  static byte[] encode(byte[] plane, int n, Compression lz) throws IOException {
    if (lz == Compression.NONE || n < 64 || BytePlanes.sampledEntropy(plane, n) > RAW_BITS) {
      return raw(plane, n);
    }
    long[] counts = BytePlanes.histogram(plane, n);
    int distinct = 0;
    for (long c : counts) {
      distinct += c > 0 ? 1 : 0;
    }
    if (distinct == 1) {
      byte[] out = header(CONST, n, 1);
      out[HEADER] = plane[0];
      return out;
    }
    Ans.Table table = Ans.Table.of(counts, n);
    byte[] best = null;
    if (table.codedBytes(counts) < n - (n >> MIN_SAVING_SHIFT)) {
      byte[] coded = Ans.encode(plane, n, table);
      best = header(ANS, n, coded.length);
      System.arraycopy(coded, 0, best, HEADER, coded.length);
    }
    if (BytePlanes.entropy(counts, n) <= RUNS_BITS
        && lzMayPay(plane, n, lz, best == null ? n : best.length - HEADER)) {
      byte[] runs = lz(plane, 0, n, lz);
      if (best == null || runs.length < best.length) {
        best = runs;
      }
    }
    return best != null && best.length < n + HEADER - (n >> MIN_SAVING_SHIFT) ? best
        : raw(plane, n);
  }

  /**
   * Whether an LZ frame of the whole plane may come out smaller than {@code bytes}. A large
   * plane codes {@value #LZ_PIECES} pieces spread over it first, and is tried whole only when
   * they come within a quarter of that rate: zstd Huffman-codes its literals, so where a plane
   * has no long repeats it stays well above rANS (1.5-2x on the benchmark's delta planes), and
   * coding the whole plane took longer than everything else the plane needs.
   */
  private static boolean lzMayPay(byte[] plane, int n, Compression lz, long bytes)
      throws IOException {
    if (n <= 4 * LZ_PIECES * LZ_PIECE) {
      return true;
    }
    long sampled = 0;
    for (int s = 0; s < LZ_PIECES; s++) {
      int start = BytePlanes.pieceStart(n, LZ_PIECE, s, LZ_PIECES);
      sampled += lz(plane, start, LZ_PIECE, lz).length - HEADER;
    }
    return (double) sampled / (LZ_PIECES * LZ_PIECE) < 1.25 * bytes / n;
  }

  /** The codec of a coded plane. */
  static PlaneCodec of(byte[] value, int off, int len) throws IOException {
    if (len < HEADER) {
      throw new IOException("coded plane of " + len + " bytes is shorter than its header");
    }
    int tag = value[off] & 0xff;
    if (tag >= values().length) {
      throw new IOException("unknown plane codec tag " + tag);
    }
    return values()[tag];
  }

  /**
   * A decoded plane: {@code n} bytes of {@code bytes} from {@code off}. A raw plane is not
   * copied: it is read in place, inside the coded value. A {@code joint} plane also knows
   * the top bits of the plane below it ({@code below}, null for other planes).
   */
  record Plane(byte[] bytes, int off, int n, JointCoder.Below below) {
    Plane(byte[] bytes, int off, int n) {
      this(bytes, off, n, null);
    }

    Plane(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }

    byte[] toArray() {
      return Arrays.copyOfRange(bytes, off, off + n);
    }
  }

  /**
   * Decodes a coded plane of {@code n} bytes; {@code above} is the plane above it, decoded,
   * which a {@code ctx} plane needs (null for the top plane).
   */
  static Plane decode(byte[] value, int off, int len, int n, Plane above) throws IOException {
    PlaneCodec codec = of(value, off, len);
    int declared = getInt(value, off + 1);
    if (declared != n) {
      throw new IOException("plane declares " + declared + " bytes, expected " + n);
    }
    int at = off + HEADER;
    int size = len - HEADER;
    switch (codec) {
      case RAW:
        if (size != n) {
          throw new IOException("raw plane holds " + size + " bytes for " + n + " values");
        }
        return new Plane(value, at, n);
      case CONST:
        if (size != 1) {
          throw new IOException("constant plane holds " + size + " bytes, expected 1");
        }
        byte[] c = new byte[n];
        Arrays.fill(c, value[at]);
        return new Plane(c);
      case ANS:
        byte[] a = new byte[n];
        Ans.decode(value, at, size, a, n);
        return new Plane(a);
      case ZSTD:
        return new Plane(unzstd(value, at, size, n));
      case LZ4:
        return new Plane(unlz4(value, at, size, n));
      case CTX:
        return new Plane(withContext(value, at, size, n, above));
      case JOINT:
        return JointCoder.decodeJoint(value, at, size, n);
      default:
        return new Plane(JointCoder.decodePacked(value, at, size, n, above));
    }
  }

  private static byte[] withContext(byte[] value, int at, int size, int n, Plane above)
      throws IOException {
    if (above == null || above.n() != n) {
      throw new IOException("a ctx plane needs the " + n + " bytes of the plane above it");
    }
    int top = size < 4 ? -1 : getInt(value, at);
    if (top < 0 || top > size - 4) {
      throw new IOException("ctx plane of " + size + " bytes declares a top-bit stream of "
          + top);
    }
    byte[] out = new byte[n];
    Ans.decode(value, at + 4 + top, size - 4 - top, out, n);
    TopBitsCoder.decode(value, at + 4, top, out, 0, n, above.bytes(), above.off());
    return out;
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  /** {@code n} bytes from a zstd frame of {@code len} bytes at {@code off}. */
  static byte[] unzstd(byte[] in, int off, int len, int n) throws IOException {
    byte[] out = new byte[n];
    int got;
    try {
      got = UNZSTD.get().decompressByteArray(out, 0, n, in, off, len);
    } catch (RuntimeException e) {
      throw new IOException("zstd frame does not decompress: " + e.getMessage(), e);
    }
    if (got != n) {
      throw new IOException("zstd frame decompresses to " + got + " bytes, expected " + n);
    }
    return out;
  }

  /** {@code n} bytes from an LZ4 frame of {@code len} bytes at {@code off}. */
  static byte[] unlz4(byte[] in, int off, int len, int n) throws IOException {
    byte[] out = new byte[n];
    try (InputStream lz4 = new FramedLZ4CompressorInputStream(
        new ByteArrayInputStream(in, off, len))) {
      if (lz4.readNBytes(out, 0, n) != n) {
        throw new IOException("lz4 frame decompresses to fewer than " + n + " bytes");
      }
    }
    return out;
  }

  private static byte[] raw(byte[] plane, int n) {
    byte[] out = header(RAW, n, n);
    System.arraycopy(plane, 0, out, HEADER, n);
    return out;
  }

  /** {@code n} bytes of {@code plane} from {@code off} as a coded plane of codec {@code lz}. */
  private static byte[] lz(byte[] plane, int off, int n, Compression lz) throws IOException {
    if (lz == Compression.ZSTD) {
      byte[] out = new byte[HEADER + (int) Zstd.compressBound(n)];
      int len = ZSTD_CTX.get().compressByteArray(out, HEADER, out.length - HEADER, plane, off,
          n);
      byte[] h = header(ZSTD, n, 0);
      System.arraycopy(h, 0, out, 0, HEADER);
      return Arrays.copyOf(out, HEADER + len);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(n / 2 + 64);
    bytes.write(header(LZ4, n, 0));
    try (OutputStream out = new FramedLZ4CompressorOutputStream(bytes)) {
      out.write(plane, off, n);
    }
    return bytes.toByteArray();
  }

  /** A coded plane of {@code payload} bytes, its header written. */
  static byte[] header(PlaneCodec codec, int n, int payload) {
    byte[] out = new byte[HEADER + payload];
    out[0] = (byte) codec.ordinal();
    putInt(out, 1, n);
    return out;
  }
}
