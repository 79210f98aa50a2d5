package org.modelhub.store.object;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.zip.CRC32C;
import org.apache.arrow.flatbuf.CompressionType;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorOutputStream;

/**
 * Bytewise segmentation (PAS): values of width w as w uint8 columns {@code b0..b(w-1)}, most
 * significant byte first, in record batches of {@link #CHUNK_VALUES} values. Each plane of
 * each batch is compressed or kept raw by what pays, judged by the order-0 entropy of a
 * sample (so the choice costs little): the sign/exponent plane of float32 weights compresses
 * to about a third, the low mantissa planes do not compress and are stored as they are.
 *
 * <p>Compressed planes use Arrow's IPC buffer compression (8-byte uncompressed length, then
 * a zstd or LZ4 frame; length -1 marks a plane kept raw in a compressed batch), so pyarrow
 * reads the files as they are. Zstd runs through zstd-jni's heap API, the library behind
 * Arrow's {@code ZstdCompressionCodec}: the codec classes take off-heap buffers, which cost a
 * copy each way here (NIO cannot reach them without {@code --add-opens}). The zstd settings
 * favour literal (Huffman) coding: weight planes have few long matches, and searching for
 * them would cost more time than it saves bytes; only a nearly constant plane (a delta's top
 * byte) also tries a match search, and keeps whichever is smaller.
 *
 * <p>Columns come in plane order, so a read of the top k planes reads only a prefix of each
 * batch's body.
 */
public final class PlanesEncoding {
  /** Values per record batch: batches bound memory and are the unit of parallel work. */
  public static final int CHUNK_VALUES = 1 << 20;
  /** A plane is compressed when a sample's order-0 entropy promises this saving or more. */
  private static final double MAX_BITS = 7.7;
  private static final long RAW = -1L;

  private static final ThreadLocal<ZstdCompressCtx> ZSTD = ThreadLocal.withInitial(() -> {
    ZstdCompressCtx c = new ZstdCompressCtx();
    c.setLevel(1);
    c.setStrategy(1);
    c.setMinMatch(7);
    c.setHashLog(10);
    c.setChainLog(6);
    c.setSearchLog(1);
    c.setWindowLog(17);
    c.setChecksum(false);
    return c;
  });
  /** Planes at or below this entropy also try a zstd that searches for matches. */
  private static final double RUNS_BITS = 2.0;
  private static final ThreadLocal<ZstdCompressCtx> ZSTD_RUNS = ThreadLocal.withInitial(() -> {
    ZstdCompressCtx c = new ZstdCompressCtx();
    c.setLevel(3);
    c.setChecksum(false);
    return c;
  });
  private static final ThreadLocal<ZstdDecompressCtx> UNZSTD =
      ThreadLocal.withInitial(ZstdDecompressCtx::new);

  private PlanesEncoding() {
  }

  /** What {@link #write} stored: bytes, codec and CRC32C of each plane (over all batches). */
  public record Written(long[] planeBytes, String[] planeCodecs, long[] planeCrc) {
    /** {@code zstd,raw,raw,raw}: a plane's codec, {@code raw} when never compressed. */
    public String codecs() {
      return String.join(",", planeCodecs);
    }

    public String bytes() {
      return join(planeBytes, false);
    }

    public String crcs() {
      return join(planeCrc, true);
    }
  }

  /** The Arrow schema of a planes object of width {@code width}. */
  static Schema schema(int width, Map<String, String> metadata) {
    List<Field> fields = new ArrayList<>();
    for (int p = 0; p < width; p++) {
      fields.add(new Field("b" + p, FieldType.notNullable(new ArrowType.Int(8, false)), null));
    }
    return new Schema(fields, metadata);
  }

  /**
   * Writes {@code raw} (little-endian values of {@code width} bytes) as a planes object;
   * {@code compression} is the codec for planes that pay ({@link Compression#NONE} keeps all
   * raw).
   */
  static Written write(WritableByteChannel out, Map<String, String> metadata, ByteBuffer raw,
      int width, Compression compression) throws IOException {
    Schema schema = schema(width, metadata);
    ArrowIpc.Writer writer = new ArrowIpc.Writer(out, schema, Compression.NONE);
    long total = raw.remaining() / width;
    int chunk = (int) Math.min(CHUNK_VALUES, Math.max(1, total));
    byte[] src = new byte[chunk * width];
    byte[][] planes = new byte[width][chunk];
    long[] planeBytes = new long[width];
    boolean[] compressed = new boolean[width];
    CRC32C[] crcs = new CRC32C[width];
    for (int p = 0; p < width; p++) {
      crcs[p] = new CRC32C();
    }
    ByteBuffer in = raw.duplicate();
    long done = 0;
    do {
      int n = (int) Math.min(chunk, total - done);
      in.get(src, 0, n * width);
      BytePlanes.split(src, 0, n, width, planes);
      List<ByteBuffer> buffers = new ArrayList<>(width);
      boolean any = false;
      ByteBuffer[] packed = new ByteBuffer[width];
      for (int p = 0; p < width; p++) {
        crcs[p].update(planes[p], 0, n);
        double bits = compression == Compression.NONE || n == 0 ? 8
            : BytePlanes.sampledEntropy(planes[p], n);
        if (bits <= MAX_BITS) {
          packed[p] = compress(planes[p], n, compression, ZSTD.get());
          if (bits <= RUNS_BITS && compression == Compression.ZSTD) {
            // a nearly constant plane (a delta's top byte) has runs that only a match
            // search finds; Huffman literals alone cannot go below 1 bit per byte
            ByteBuffer runs = compress(planes[p], n, compression, ZSTD_RUNS.get());
            if (runs != null && (packed[p] == null
                || runs.remaining() < packed[p].remaining())) {
              packed[p] = runs;
            }
          }
          any |= packed[p] != null;
        }
      }
      for (int p = 0; p < width; p++) {
        ByteBuffer b;
        if (packed[p] != null) {
          b = packed[p];
          compressed[p] = true;
        } else if (any) {
          b = ByteBuffer.allocate(8 + n).order(ByteOrder.LITTLE_ENDIAN);
          b.putLong(RAW).put(planes[p], 0, n).flip();
        } else {
          b = ByteBuffer.wrap(planes[p], 0, n);
        }
        planeBytes[p] += b.remaining();
        buffers.add(b);
      }
      writer.writeRawBatch(n, any ? codecType(compression) : ArrowIpc.NO_CODEC, buffers);
      done += n;
    } while (done < total);
    writer.finish();
    String[] codecs = new String[width];
    long[] crc = new long[width];
    for (int p = 0; p < width; p++) {
      codecs[p] = compressed[p] ? compression.label() : "raw";
      crc[p] = crcs[p].getValue();
    }
    return new Written(planeBytes, codecs, crc);
  }

  /** Arrow's compressed-buffer layout of a plane, or null when compression does not pay. */
  private static ByteBuffer compress(byte[] plane, int n, Compression compression,
      ZstdCompressCtx zstd) throws IOException {
    byte[] out;
    int len;
    if (compression == Compression.ZSTD) {
      out = new byte[8 + (int) Zstd.compressBound(n)];
      len = 8 + zstd.compressByteArray(out, 8, out.length - 8, plane, 0, n);
    } else {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(n / 2 + 64);
      bytes.write(new byte[8]);
      try (OutputStream lz4 = new FramedLZ4CompressorOutputStream(bytes)) {
        lz4.write(plane, 0, n);
      }
      out = bytes.toByteArray();
      len = out.length;
    }
    if (len >= n + 8 - n / 32) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(out, 0, len).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, n);
    return b;
  }

  private static byte codecType(Compression c) {
    return c == Compression.ZSTD ? CompressionType.ZSTD : CompressionType.LZ4_FRAME;
  }

  /**
   * Reads the values back: all planes ({@code k == width}), or the top {@code k} planes
   * with the others zero, reading only those planes' bytes. When {@code expectedCrc} is
   * given, each plane read is checked against it.
   *
   * @return little-endian values, {@code rawBytes} long, and the schema's metadata
   */
  static Decoded read(SeekableByteChannel channel, long rawBytes, int k, long[] expectedCrc)
      throws IOException {
    ArrowIpc.Reader reader = new ArrowIpc.Reader(channel, null);
    int width = reader.schema().getFields().size();
    if (k < 1 || k > width) {
      throw new IOException("cannot read the top " + k + " of " + width + " planes");
    }
    if (width == 0 || rawBytes % width != 0) {
      throw new IOException("object of " + width + " planes cannot hold " + rawBytes + " bytes");
    }
    byte[] out = new byte[Math.toIntExact(rawBytes)];
    CRC32C[] crcs = new CRC32C[k];
    for (int p = 0; p < k; p++) {
      crcs[p] = new CRC32C();
    }
    byte[][] planes = new byte[width][];
    long done = 0;
    for (int i = 0; i < reader.batchCount(); i++) {
      ArrowIpc.RawBatch b = reader.readRaw(i, k);
      int n = Math.toIntExact(b.length());
      if ((done + n) * width > rawBytes) {
        throw new IOException("object holds more values than its catalog entry says");
      }
      for (int p = 0; p < k; p++) {
        planes[p] = plane(b, p, n);
        crcs[p].update(planes[p], 0, n);
      }
      BytePlanes.merge(planes, k, n, width, out, (int) (done * width));
      done += n;
    }
    if (done * width != rawBytes) {
      throw new IOException("object holds " + done * width + " bytes of values, expected "
          + rawBytes);
    }
    if (expectedCrc != null) {
      for (int p = 0; p < k; p++) {
        if (crcs[p].getValue() != expectedCrc[p]) {
          throw new IOException("plane " + p + " has CRC32C " + Long.toHexString(
              crcs[p].getValue()) + ", expected " + Long.toHexString(expectedCrc[p]));
        }
      }
    }
    return new Decoded(out, reader.schema().getCustomMetadata());
  }

  /** Values read back and the object's schema metadata. */
  record Decoded(byte[] values, Map<String, String> metadata) { }

  private static byte[] plane(ArrowIpc.RawBatch b, int p, int n) throws IOException {
    int off = Math.toIntExact(b.offsets()[2 * p + 1]);
    int len = Math.toIntExact(b.lengths()[2 * p + 1]);
    byte[] body = b.body();
    if (b.codec() == ArrowIpc.NO_CODEC) {
      if (len != n) {
        throw new IOException("plane " + p + " holds " + len + " bytes for " + n + " values");
      }
      return Arrays.copyOfRange(body, off, off + len);
    }
    if (len < 8) {
      throw new IOException("compressed plane " + p + " is shorter than its length prefix");
    }
    long declared = ByteBuffer.wrap(body, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (declared == RAW) {
      if (len - 8 != n) {
        throw new IOException("plane " + p + " holds " + (len - 8) + " bytes for " + n
            + " values");
      }
      return Arrays.copyOfRange(body, off + 8, off + len);
    }
    if (declared != n) {
      throw new IOException("plane " + p + " declares " + declared + " bytes for " + n
          + " values");
    }
    byte[] plane = new byte[n];
    if (b.codec() == CompressionType.ZSTD) {
      int got;
      try {
        got = UNZSTD.get().decompressByteArray(plane, 0, n, body, off + 8, len - 8);
      } catch (RuntimeException e) {
        throw new IOException("plane " + p + " does not decompress: " + e.getMessage(), e);
      }
      if (got != n) {
        throw new IOException("plane " + p + " decompresses to " + got + " bytes, expected " + n);
      }
    } else {
      try (InputStream lz4 = new FramedLZ4CompressorInputStream(
          new ByteArrayInputStream(body, off + 8, len - 8))) {
        if (lz4.readNBytes(plane, 0, n) != n) {
          throw new IOException("plane " + p + " decompresses to fewer than " + n + " bytes");
        }
      }
    }
    return plane;
  }

  /** Parses {@link Written#crcs()} or {@link Written#bytes()}. */
  static long[] parseList(String s, boolean hex) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String[] parts = s.split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = hex ? Long.parseLong(parts[i].trim(), 16) : Long.parseLong(parts[i].trim());
    }
    return out;
  }

  private static String join(long[] xs, boolean hex) {
    StringJoiner j = new StringJoiner(",");
    for (long x : xs) {
      j.add(hex ? Long.toHexString(x) : Long.toString(x));
    }
    return j.toString();
  }
}
